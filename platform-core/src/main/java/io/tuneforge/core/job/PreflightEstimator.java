package io.tuneforge.core.job;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeAdapterMethods;
import io.tuneforge.shared.recipe.RecipeMemoryOptimizers;
import io.tuneforge.shared.recipe.RecipeMethod;
import java.util.List;

/**
 * Estimates a job's memory per device and its duration before it is queued, from the model's dimensions and the
 * job's checked {@link JobRecipe} (so the estimate sees exactly the batch, cutoff, epochs and method that train).
 * Training runs in float32, so every tensor counts 4 bytes, except the frozen base of a LoRA job with {@code bf16},
 * held in bfloat16 (2 bytes; full and freeze tuning keep their weights in float32 and only compute in bf16).
 *
 * <p>Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models"):
 * per layer {@code s·b·h·(34 + 5·a·s/h)} bytes in 16-bit, doubled for float32, plus the LM head's logits for the
 * trainer's 256-token chunks; with gradient checkpointing (on unless {@code disable_gradient_checkpointing}) only
 * each layer's input plus one recomputed layer. Duration assumes {@code 6·N·tokens} FLOPs for full training and {@code 4·N·tokens} for
 * LoRA/freeze (no weight gradients of frozen matrices), at a throughput measured on the reference CPU (2.6e11 FLOP/s
 * on 2 cores) or a conservative 5e13 FLOP/s for a CUDA device. Optimizer state follows {@code optim}: AdamW keeps
 * two moments per trained number (one byte each with adamw_8bit, {@link #optimizerStateBytes}), SGD none, Adafactor one row and one column per matrix (a full second moment only
 * for vectors); GaLore, BAdam, Adam-mini and Muon count their own state ({@link #memorySavingStateNumbers}). It is
 * an estimate: it refuses jobs that cannot fit,
 * and gives a time scale, not a promise.
 *
 * <p>The time covers every phase ({@link PhaseSeconds}): training; the validation losses ({@code 2·N} FLOPs per token,
 * once per epoch unless {@code eval_steps} says otherwise); the merge and the GGUF export (parameters per second);
 * and the held-out predictions (base and tuned model, {@code predict_samples × predict_max_new_tokens} tokens each).
 * Where a worker measured a phase's speed on a model of about this size ({@link MeasuredSpeeds}), that speed replaces
 * the default.
 */
public final class PreflightEstimator {

    private static final long FLOAT_BYTES = 4;
    /** A frozen base weight held in bfloat16. */
    private static final long BF16_BYTES = 2;
    /** Effective training throughput on the reference CPU (docs/benchmarks.md: ~1,570 tokens/s on a 42M model). */
    static final double CPU_FLOPS = 2.6e11;
    /** Conservative effective throughput of one CUDA device. */
    static final double CUDA_FLOPS = 5e13;
    /** Tokens per chunk of the trainer's chunked LM head + cross-entropy. */
    private static final long LOSS_CHUNK_TOKENS = 256;
    /** Generated tokens per second of batched greedy decoding when nothing was measured: per-op overhead bound. */
    static final double DEFAULT_DECODE_TOKENS_PER_SECOND_CAP = 800;
    /** Effective FLOP/s of decoding on the reference CPU (memory bound: far below the GEMM peak). */
    static final double CPU_DECODE_FLOPS = 2e10;
    /** Parameters merged and written per second when nothing was measured (bf16 read, merge, write, fsync). */
    static final double DEFAULT_MERGE_PARAMETERS_PER_SECOND = 1e8;
    /** Parameters converted to GGUF per second when nothing was measured. */
    static final double DEFAULT_EXPORT_PARAMETERS_PER_SECOND = 5e7;
    /** CUDA context and libtorch runtime. */
    private static final long RUNTIME_BYTES = 512L << 20;

    private PreflightEstimator() {
    }

    /**
     * Estimates one job.
     *
     * @param model    the base model's dimensions
     * @param recipe   the job's recipe (method, per_device_train_batch_size, cutoff_len, num_train_epochs or
     *                 max_steps, lora_rank and lora_target, freeze_trainable_layers)
     * @param rowCount rows one epoch trains on
     * @param onCuda   true to time it for a CUDA device, false for the CPU
     */
    public static ResourceEstimate estimate(ModelDimensions model, JobRecipe recipe, long rowCount, boolean onCuda) {
        return estimate(model, recipe, rowCount, onCuda, MeasuredSpeeds.NONE);
    }

    /** The decoder layers freeze tuning trains (the last, first or LLaMA Pro's |N|), at most the model's. */
    static long freezeLayers(ModelDimensions model, RecipeMethod.Freeze freeze) {
        return Math.min(model.layers(), Math.abs(freeze.trainableLayers()));
    }

    /** Freeze tuning's trained weights: its layers, plus embed_tokens, lm_head (untied) and norm when named. */
    static long freezeParameters(ModelDimensions model, RecipeMethod.Freeze freeze) {
        long outside = 0;
        for (String module : freeze.extraModules()) {
            outside += switch (module) {
                case "embed_tokens" -> model.vocabSize() * model.hiddenSize();
                case "lm_head" -> model.tiedEmbeddings() ? 0 : model.vocabSize() * model.hiddenSize();
                default -> model.hiddenSize();                                           // the final norm
            };
        }
        return freezeLayers(model, freeze) * model.parametersPerLayer() + outside;
    }

    /** Estimates one job, timing the phases a worker measured with its measured speeds. */
    public static ResourceEstimate estimate(ModelDimensions model, JobRecipe recipe, long rowCount, boolean onCuda,
            MeasuredSpeeds speeds) {
        return estimate(model, recipe, rowCount, onCuda, speeds, java.util.Optional.empty());
    }

    /**
     * A reward model as stage ppo loads it beside the policy (DD037).
     *
     * @param base              the dimensions of the base model it was trained from
     * @param adapterParameters the parameters of its adapter (0 for a full-tuned reward model)
     * @param adapter           true: an adapter applied to its own frozen copy of {@code base} (the engine holds one
     *                          adapter per model, so the reward model does not share the policy's weights); false:
     *                          the complete full/freeze-tuned model
     */
    public record RewardModelSize(ModelDimensions base, long adapterParameters, boolean adapter) {
    }

    /** The parameters a job of this recipe trains on this model (the adapter's, or all / unfrozen layers). */
    public static long trainableParameters(ModelDimensions model, JobRecipe recipe) {
        RecipeMethod method = recipe.method();
        return switch (method.finetuningType()) {
            case LORA -> loraParameters(model, method.lora());
            case FULL -> model.parameters();
            case FREEZE -> freezeParameters(model, method.freeze());
            case PREFIX -> prefixParameters(model, method.prefix());
            case ADAPTER -> bottleneckParameters(model, method.adapter());
            case OFT -> oftParameters(model, method.oft());
        };
    }

    /**
     * Estimates one job; stage ppo adds its reward model ({@code rewardModel}), the policy's value head (trained
     * beside the adapter) and no reference copy (the LoRA policy with its adapter switched off).
     */
    public static ResourceEstimate estimate(ModelDimensions model, JobRecipe recipe, long rowCount, boolean onCuda,
            MeasuredSpeeds speeds, java.util.Optional<RewardModelSize> rewardModel) {
        long batch = recipe.optimization().perDeviceTrainBatchSize();
        long cutoff = recipe.data().cutoffLen();
        long parameters = model.parameters();
        RecipeMethod method = recipe.method();

        boolean ppo = method.stage().equals("ppo");
        // stage ppo: the policy's value head (v_head.summary: hidden_size weights and a bias) trains with the adapter
        long trainable = trainableParameters(model, recipe) + (ppo ? valueHeadParameters(model) : 0);
        boolean lora = method.finetuningType().isAdapter();   // the base is frozen, the adapter beside it
        // pure_bf16 (DD040): weights trained whole are rounded to bf16 but held in float32 arrays, so they count 4 bytes
        long baseBytes = lora && recipe.model().computesInBf16() ? BF16_BYTES : FLOAT_BYTES;
        long weights = parameters * baseBytes + (lora ? trainable * FLOAT_BYTES : 0);
        // stage dpo and rm: a micro-batch of B pairs is one forward pass of 2B rows (chosen and rejected)
        long rowsPerMicroBatch = pairwise(recipe) ? 2 * batch : batch;
        long activations = activationBytes(model, rowsPerMicroBatch, cutoff,
                !recipe.model().disableGradientCheckpointing());
        if (lora && recipe.model().quantized()) {
            // QLoRA (DD027): the decoder layers held as codes and scales; each layer's weight is dequantized per call
            // and autograd keeps that copy until backward, so a step holds them once more at the compute precision
            long decoder = model.layers() * model.parametersPerLayer();
            long quantizedBytes = recipe.model().quantizationBit().orElseThrow() == 8 ? decoder + decoder / 256
                    : decoder / 2 + decoder / 16;
            weights = weights - decoder * baseBytes + quantizedBytes;
            activations += decoder * baseBytes;
        }
        long gradients = trainable * FLOAT_BYTES;
        long optimizer = optimizerStateBytes(model, recipe, trainable);
        long reference = referenceBytes(recipe, parameters);
        long reward = ppo ? rewardModel.map(r -> rewardModelBytes(r, lora && recipe.model().bf16())).orElse(0L) : 0;
        long subtotal = weights + gradients + optimizer + activations + reference + reward;
        long overhead = subtotal / 10 + (onCuda ? RUNTIME_BYTES : 0);

        long tokens = trainingTokens(recipe, rowCount, cutoff);
        long active = model.activeParameters(); // a mixture of experts computes with its top-k experts only
        double flopsPerToken = (method.finetuningType() == RecipeMethod.FinetuningType.FULL ? 6.0 : 4.0) * active;
        double flops = onCuda ? CUDA_FLOPS : CPU_FLOPS;
        double trainingSeconds = speeds.trainingTokensPerSecond().isPresent()
                ? tokens / speeds.trainingTokensPerSecond().getAsDouble() : tokens * flopsPerToken / flops;
        PhaseSeconds phases = new PhaseSeconds(ceil(trainingSeconds),
                ceil(evaluationSeconds(recipe, rowCount, active, flops, flopsPerToken, speeds)),
                ceil(parameters / speeds.mergeParametersPerSecond().orElse(DEFAULT_MERGE_PARAMETERS_PER_SECOND)),
                ceil(predictionSeconds(recipe, rowCount, active, speeds, onCuda)),
                recipe.outputs().exportGguf().isEmpty() ? 0 : ceil(parameters
                        / speeds.exportParametersPerSecond().orElse(DEFAULT_EXPORT_PARAMETERS_PER_SECOND)),
                speeds.any());
        return new ResourceEstimate(weights, trainable, gradients, optimizer, activations, reference, overhead,
                subtotal + overhead, tokens, phases, reward);
    }

    /** A value head's parameters: one weight per hidden unit and a bias. */
    static long valueHeadParameters(ModelDimensions model) {
        return model.hiddenSize() + 1L;
    }

    /**
     * The reward model held during PPO (inference only: no gradients, no optimizer state): its base's weights at the
     * policy's precision (bf16 when the policy's frozen base is), plus its adapter and value head in float32.
     */
    static long rewardModelBytes(RewardModelSize reward, boolean bf16) {
        long weights = reward.base().parameters() * (bf16 ? BF16_BYTES : FLOAT_BYTES);
        return weights + (reward.adapter() ? reward.adapterParameters() * FLOAT_BYTES : 0)
                + valueHeadParameters(reward.base()) * FLOAT_BYTES;
    }

    /** Stages that train on chosen/rejected pairs. */
    private static boolean pairwise(JobRecipe recipe) {
        String stage = recipe.method().stage();
        return stage.equals("dpo") || stage.equals("rm");
    }

    /**
     * The reference model of stage dpo (DD020): a frozen float32 copy of every weight for full and freeze tuning;
     * nothing for LoRA (the same model with its adapters switched off) and for orpo and simpo (no reference). Stage
     * ppo trains LoRA only: its reference is the policy with the adapter switched off, nothing more.
     */
    static long referenceBytes(JobRecipe recipe, long parameters) {
        boolean needsReference = recipe.method().stage().equals("dpo")
                && !java.util.Set.of("orpo", "simpo").contains(recipe.preference().loss());
        boolean lora = recipe.method().finetuningType() == RecipeMethod.FinetuningType.LORA;
        return needsReference && !lora ? parameters * FLOAT_BYTES : 0;
    }

    /** Rows of the validation split: {@code val_size} as a share (below 1) or a count, of the rows. */
    static long validationRows(JobRecipe recipe, long rowCount) {
        double valSize = recipe.data().valSize();
        return valSize <= 0 ? 0 : valSize < 1 ? (long) Math.ceil(rowCount * valSize) : Math.min(rowCount,
                (long) valSize);
    }

    /**
     * Validation losses: forward passes only ({@code 2·N} FLOPs per token, a third of a full training step's
     * {@code 6·N}), once per epoch unless {@code eval_steps} is set (then every that many steps), plus one at the end.
     */
    private static double evaluationSeconds(JobRecipe recipe, long rowCount, long parameters, double flops,
            double trainingFlopsPerToken, MeasuredSpeeds speeds) {
        long rows = validationRows(recipe, rowCount);
        if (rows == 0) {
            return 0;
        }
        double epochs = Math.max(1, Math.ceil(recipe.optimization().numTrainEpochs()));
        long evaluations = recipe.evaluation().evalSteps()
                .map(steps -> steps <= 0 ? 1L : Math.max(1L, trainingSteps(recipe, rowCount) / steps + 1))
                .orElse((long) epochs);
        double tokens = (double) rows * recipe.data().cutoffLen() * evaluations;
        if (speeds.trainingTokensPerSecond().isPresent()) { // forward only: faster than training by the FLOP ratio
            return tokens / (speeds.trainingTokensPerSecond().getAsDouble() * trainingFlopsPerToken / 2.0 / parameters);
        }
        return tokens * 2.0 * parameters / flops;
    }

    private static long trainingSteps(JobRecipe recipe, long rowCount) {
        long effectiveBatch = (long) recipe.optimization().perDeviceTrainBatchSize()
                * recipe.optimization().gradientAccumulationSteps();
        return recipe.optimization().maxSteps().orElse((long) Math.ceil(
                Math.ceil((double) rowCount / Math.max(1, effectiveBatch)) * recipe.optimization().numTrainEpochs()));
    }

    /** Held-out answers: base and tuned model, each up to predict_max_new_tokens for every predicted row. */
    private static double predictionSeconds(JobRecipe recipe, long rowCount, long parameters, MeasuredSpeeds speeds,
            boolean onCuda) {
        long rows = Math.min(recipe.outputs().predictSamples(), validationRows(recipe, rowCount));
        double tokens = 2.0 * rows * recipe.outputs().predictMaxNewTokens();
        double tokensPerSecond = speeds.predictionTokensPerSecond().orElse(Math.min(
                DEFAULT_DECODE_TOKENS_PER_SECOND_CAP, (onCuda ? CUDA_FLOPS / 10 : CPU_DECODE_FLOPS) / (2.0 * parameters)));
        return tokens / tokensPerSecond;
    }

    private static long ceil(double seconds) {
        return (long) Math.ceil(seconds);
    }

    /** Tokens trained at most: max_steps × effective batch × cutoff when set, else rows × epochs × cutoff. */
    private static long trainingTokens(JobRecipe recipe, long rowCount, long cutoff) {
        long effectiveBatch = (long) recipe.optimization().perDeviceTrainBatchSize()
                * recipe.optimization().gradientAccumulationSteps();
        return recipe.optimization().maxSteps()
                .map(steps -> Math.multiplyHigh(steps, effectiveBatch * cutoff) == 0
                        ? steps * effectiveBatch * cutoff : Long.MAX_VALUE)
                .orElse((long) (rowCount * cutoff * recipe.optimization().numTrainEpochs()));
    }

    /** {@code optim} names whose AdamW moments are stored in 8 bits (bitsandbytes; paging is a CUDA matter). */
    static final java.util.Set<String> EIGHT_BIT_OPTIMIZERS = java.util.Set.of("adamw_8bit", "adamw_bnb_8bit",
            "paged_adamw_8bit");

    /**
     * Bytes of optimizer state: {@link #optimizerStateNumbers} in float32, except 8-bit AdamW (DD038), which keeps two
     * one-byte codes per trained number plus one float32 scale per 256 numbers and moment, and 32-bit moments for the
     * embedding table when full fine-tuning trains it (the Trainer's nn.Embedding override).
     */
    static long optimizerStateBytes(ModelDimensions m, JobRecipe recipe, long trainable) {
        if (!EIGHT_BIT_OPTIMIZERS.contains(recipe.optimization().optim())
                || recipe.optimization().memoryOptimizers().chosen().isPresent()) {
            return optimizerStateNumbers(m, recipe, trainable) * FLOAT_BYTES;
        }
        long embedding = recipe.method().finetuningType() == RecipeMethod.FinetuningType.FULL
                ? (long) m.vocabSize() * m.hiddenSize() : 0;
        long quantized = trainable - embedding;
        return 2 * quantized + 2 * ((quantized + 255) / 256) * FLOAT_BYTES + 2 * embedding * FLOAT_BYTES;
    }

    /** Numbers the optimizer keeps for {@code trainable} trained numbers, by {@code optim}. */
    static long optimizerStateNumbers(ModelDimensions m, JobRecipe recipe, long trainable) {
        RecipeMemoryOptimizers memory = recipe.optimization().memoryOptimizers();
        if (memory.chosen().isPresent()) {
            return memorySavingStateNumbers(m, recipe.method(), memory, trainable);
        }
        return switch (recipe.optimization().optim()) {
            case "sgd" -> 0;
            case "adafactor" -> adafactorStateNumbers(m, recipe.method());
            default -> 2 * trainable; // adamw_torch: exp_avg and exp_avg_sq
        };
    }

    /**
     * State of the memory-saving optimizers (DD032), for full or freeze tuning (LoRA only with Muon):
     * GaLore keeps, per projected matrix (m, n) at rank r' = min(r, m, n), two (max(m,n), r') moments and an r'×min
     * projection instead of 2·m·n (APOLLO the same with r' = r, its random projection is not capped); BAdam AdamW moments for one decoder layer; Adam-mini one first moment per number
     * and one second moment per head (q, k), row (v, o, MLP, embeddings, head) or norm; Muon one momentum per 2-D
     * weight and two AdamW moments for embeddings, head and norms.
     */
    static long memorySavingStateNumbers(ModelDimensions m, RecipeMethod method, RecipeMemoryOptimizers memory,
            long trainable) {
        long h = m.hiddenSize();
        long kv = m.keyValueWidth();
        long inter = m.intermediateSize();
        boolean full = method.finetuningType() == RecipeMethod.FinetuningType.FULL;
        long layers = full ? m.layers() : freezeLayers(m, method.freeze());
        long embeddingRows = full ? m.vocabSize() * (m.tiedEmbeddings() ? 1L : 2L) : 0;
        if (method.finetuningType() == RecipeMethod.FinetuningType.LORA) {
            return trainable; // Muon: every LoRA matrix is 2-D, one momentum each
        }
        if (memory.useBadam() && memory.badamMode().equals("ratio")) {
            // two moments for int(n·ratio) entries of every parameter but the embedding and the LM head
            long frozen = full ? m.vocabSize() * h * (m.tiedEmbeddings() ? 1L : 2L) : 0;
            return 2 * (long) ((trainable - frozen) * memory.badamUpdateRatio());
        }
        if (memory.useBadam()) {
            return 2 * m.parametersPerLayer();
        }
        if (memory.useAdamMini()) {
            long perLayer = m.attentionHeads() + m.keyValueHeads() + kv + h + 2 * inter + h + 2;
            return trainable + layers * perLayer + embeddingRows + (full ? 1 : 0);
        }
        if (memory.useMuon()) {
            long adamNumbers = 2 * h * layers + (full ? embeddingRows * h + h : 0);
            return trainable + adamNumbers;
        }
        // GaLore (rank capped at min(m, n)) and APOLLO (rank as given): module (out, in) by name
        boolean apollo = memory.useApollo();
        java.util.List<String> targets = apollo ? memory.apolloTarget() : memory.galoreTarget();
        int rank = apollo ? memory.apolloRank() : memory.galoreRank();
        long saved = 0;
        long[][] shapes = {{h, h}, {kv, h}, {kv, h}, {h, h}, {inter, h}, {inter, h}, {h, inter}};
        String[] names = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if (targets.equals(java.util.List.of("all")) || targets.stream().anyMatch(name::contains)) {
                long rows = shapes[i][0];
                long cols = shapes[i][1];
                long r = apollo ? rank : Math.min(rank, Math.min(rows, cols));
                saved += 2 * rows * cols - (2 * r * Math.max(rows, cols) + r * Math.min(rows, cols));
            }
        }
        return 2 * trainable - layers * saved;
    }

    /**
     * Prefix tuning's trained numbers: the prefix (P × 2·L·KV·hd), or with prefix_projection PEFT's MLP over a
     * (P × KV·hd) embedding: Linear(KV·hd → E) and Linear(E → 2·L·KV·hd) with biases.
     */
    static long prefixParameters(ModelDimensions m, RecipeAdapterMethods.Prefix prefix) {
        long tokenDim = m.keyValueWidth();
        long width = 2L * m.layers() * tokenDim;
        long p = prefix.numVirtualTokens();
        if (!prefix.prefixProjection()) {
            return p * width;
        }
        long e = prefix.encoderHiddenSize().orElse(tokenDim);
        return p * tokenDim + (tokenDim * e + e) + (e * width + width);
    }

    /** Bottleneck adapters: per adapter W_down (r × C), b_down (r), W_up (C × r), b_up (C); houlsby has two a layer. */
    static long bottleneckParameters(ModelDimensions m, RecipeAdapterMethods.Adapter adapter) {
        long c = m.hiddenSize();
        long r = Math.max(1, (long) Math.floor(c / adapter.reductionFactor()));
        long perAdapter = 2 * c * r + r + c;
        return perAdapter * m.layers() * (adapter.placement().equals("houlsby") ? 2 : 1);
    }

    /** Adafactor's factored second moment: rows + columns of every trained matrix, the whole of every vector. */
    static long adafactorStateNumbers(ModelDimensions m, RecipeMethod method) {
        long h = m.hiddenSize();
        long q = m.queryWidth();
        long kv = m.keyValueWidth();
        long inter = m.intermediateSize();
        if (method.finetuningType() == RecipeMethod.FinetuningType.PREFIX
                || method.finetuningType() == RecipeMethod.FinetuningType.ADAPTER) {
            return adapterMethodAdafactorNumbers(m, method);
        }
        if (method.finetuningType() == RecipeMethod.FinetuningType.OFT) {
            return oftParameters(m, method.oft());   // at most its own size (the (r, n) weights kept whole)
        }
        if (method.finetuningType() == RecipeMethod.FinetuningType.LORA) {
            long r = method.lora().rank();
            long perLayer = 0;
            for (String target : method.lora().targetModules()) {
                perLayer += switch (target) { // A (r, in): r + in; B (out, r): out + r
                    case "q_proj", "o_proj" -> (r + h) + (q + r);
                    case "k_proj", "v_proj" -> (r + h) + (kv + r);
                    case "gate_proj", "up_proj", "down_proj" -> (r + h) + (inter + r);
                    default -> 0;
                };
            }
            return perLayer * m.layers();
        }
        // q (q, h), o (h, q); k, v (kv, h); gate, up (I, h); down (h, I); two norms (h)
        long perLayer = 2 * (q + h) + 2 * (kv + h) + 3 * (inter + h) + 2 * h;
        if (method.finetuningType() == RecipeMethod.FinetuningType.FREEZE) {
            return freezeLayers(m, method.freeze()) * perLayer;
        }
        long embeddings = (m.vocabSize() + h) * (m.tiedEmbeddings() ? 1 : 2);
        return m.layers() * perLayer + embeddings + h;
    }

    /** Adafactor's state for prefix tuning and bottleneck adapters: rows + columns of each matrix, each vector whole. */
    private static long adapterMethodAdafactorNumbers(ModelDimensions m, RecipeMethod method) {
        if (method.finetuningType() == RecipeMethod.FinetuningType.ADAPTER) {
            long c = m.hiddenSize();
            long r = Math.max(1, (long) Math.floor(c / method.adapter().reductionFactor()));
            long perAdapter = (r + c) + r + (c + r) + c;
            return perAdapter * m.layers() * (method.adapter().placement().equals("houlsby") ? 2 : 1);
        }
        RecipeAdapterMethods.Prefix prefix = method.prefix();
        long tokenDim = m.keyValueWidth();
        long width = 2L * m.layers() * tokenDim;
        long p = prefix.numVirtualTokens();
        if (!prefix.prefixProjection()) {
            return p + width;
        }
        long e = prefix.encoderHiddenSize().orElse(tokenDim);
        return (p + tokenDim) + (tokenDim + e) + e + (e + width) + width;
    }

    /**
     * LoRA matrices A (r × in) and B (out × r) on every targeted linear of every layer (lora_target as PEFT matches
     * it: names, dotted suffixes or one regular expression against {@code model.layers.<i>.<group>.<module>}), DoRA's
     * magnitudes, and the modules additional_target trains whole.
     */
    static long loraParameters(ModelDimensions m, RecipeMethod.Lora lora) {
        long r = lora.rank();
        long h = m.hiddenSize();
        long q = m.queryWidth();
        long kv = m.keyValueWidth();
        long inter = m.intermediateSize();
        long total = 0;
        for (int layer = 0; layer < m.layers(); layer++) {
            // a mixture of experts: its sparse layers adapt every expert (and the shared expert); which layers are
            // sparse matters only to a regular expression naming layers, so the first ones are taken
            boolean isSparse = m.experts().isPresent() && layerIsSparse(m.experts().get(), layer);
            for (String module : TARGETABLE) {
                if (!RecipeMethod.targetMatches(lora.targetModules(), modulePath(layer, module))) {
                    continue;
                }
                total += isSparse ? sparseLinear(m.experts().get(), module, r, h, q, kv)
                        : switch (module) {
                            case "q_proj", "o_proj" -> r * (h + q);
                            case "k_proj", "v_proj" -> r * (h + kv);
                            case "gate_proj", "up_proj", "down_proj" -> r * (h + inter);
                            case "qkv_proj" -> r * (h + q + 2 * kv);                           // Phi-3: fused q, k, v
                            case "gate_up_proj" -> r * (h + 2L * inter);                      // Phi-3: fused gate, up
                            // T5 (DD036; its layers are encoder + decoder blocks, so cross-attention is counted
                            // as a second attention of the decoder's only approximately)
                            case "q", "k", "v", "o" -> r * (h + q);
                            case "wi", "wi_0", "wi_1", "wo" -> r * (h + inter);
                            default -> 0;
                        };
                if (lora.useDora() && !isSparse) { // one magnitude per output feature of each adapted linear
                    total += switch (module) {
                        case "q_proj" -> q;
                        case "o_proj", "down_proj" -> h;
                        case "k_proj", "v_proj" -> kv;
                        case "gate_proj", "up_proj" -> inter;
                        default -> 0;
                    };
                }
            }
        }
        for (String whole : lora.additionalTargets()) {
            total += whole.equals("norm") ? h : m.vocabSize() * h;
        }
        return total;
    }

    /** Whether decoder layer {@code layer} is one of the {@code sparseLayers} sparse ones (counted from the first). */
    private static boolean layerIsSparse(ModelDimensions.Experts e, int layer) {
        return layer < e.sparseLayers();
    }

    /** LoRA parameters of one targeted module of a sparse layer: attention as dense, expert linears once per expert. */
    private static long sparseLinear(ModelDimensions.Experts e, String module, long r, long h, long q, long kv) {
        long expertLinear = r * (h + e.intermediateSize());
        return switch (module) {
            case "q_proj", "o_proj" -> r * (h + q);
            case "k_proj", "v_proj" -> r * (h + kv);
            case "w1", "w2", "w3" -> e.count() * expertLinear;                                    // Mixtral
            case "gate_proj", "up_proj", "down_proj" -> e.count() * expertLinear
                    + (e.sharedSize() > 0 ? r * (h + e.sharedSize()) : 0);                        // Qwen MoE
            case "gate" -> r * (h + e.count());                                                   // the router
            case "shared_expert_gate" -> e.sharedSize() > 0 ? r * (h + 1) : 0;
            default -> 0;
        };
    }

    /**
     * OFT's skew-symmetric blocks: a linear with {@code in} inputs has in / b blocks of b(b−1)/2 numbers (b moved to
     * the nearest divisor of in where it does not divide it, as PEFT does), on every targeted linear of every layer.
     */
    static long oftParameters(ModelDimensions m, io.tuneforge.shared.recipe.RecipeOft oft) {
        long h = m.hiddenSize();
        long inter = m.intermediateSize();
        long total = 0;
        for (int layer = 0; layer < m.layers(); layer++) {
            for (String module : TARGETABLE) {
                if (!RecipeMethod.targetMatches(oft.targetModules(), modulePath(layer, module))) {
                    continue;
                }
                long in = module.equals("down_proj") ? inter : h;
                long b = oft.rank() == 0 ? nearestDivisor(in, oft.blockSize()) : in / nearestDivisor(in, oft.rank());
                total += in / b * (b * (b - 1) / 2);
            }
        }
        return total;
    }

    /** PEFT's {@code adjust_oft_parameters}: {@code value} if it divides {@code in}, else the nearest divisor. */
    private static long nearestDivisor(long in, long value) {
        if (value >= in) {
            return in;
        }
        long higher = value;
        while (higher <= in && in % higher != 0) {
            higher++;
        }
        long lower = value;
        while (lower > 1 && in % lower != 0) {
            lower--;
        }
        return (value - lower) <= (higher - value) ? lower : higher;
    }

    private static final List<String> TARGETABLE = java.util.stream.Stream.of(RecipeMethod.LINEAR_MODULES,
            RecipeMethod.FUSED_LINEAR_MODULES, RecipeMethod.MOE_LINEAR_MODULES, RecipeMethod.T5_LINEAR_MODULES)
            .flatMap(List::stream).toList();

    /** {@code model.layers.<i>.self_attn.q_proj} or {@code model.layers.<i>.mlp.down_proj}. */
    private static String modulePath(int layer, String module) {
        boolean attention = List.of("q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "q", "k", "v", "o")
                .contains(module);
        return "model.layers." + layer + (attention ? ".self_attn." : ".mlp.") + module;
    }

    /**
     * Activations kept for backward. Without gradient checkpointing every layer keeps Korthikanti's per-layer figure;
     * with it (the default) every layer keeps only its (b, s, h) float32 input, and one layer at a time holds its full
     * activations while it is recomputed in backward.
     */
    static long activationBytes(ModelDimensions m, long batch, long cutoff, boolean gradientCheckpointing) {
        double perLayer16 = cutoff * batch * m.hiddenSize()
                * (34.0 + 5.0 * m.attentionHeads() * cutoff / m.hiddenSize());
        long fullLayer = (long) (perLayer16 * 2); // float32: twice the 16-bit figure
        long layers = gradientCheckpointing
                ? m.layers() * batch * cutoff * m.hiddenSize() * FLOAT_BYTES + fullLayer
                : fullLayer * m.layers();
        long logits = batch * Math.min(cutoff, LOSS_CHUNK_TOKENS) * m.vocabSize() * FLOAT_BYTES * 3; // logits, softmax, grad
        long embeddings = batch * cutoff * m.hiddenSize() * FLOAT_BYTES * 2;
        return layers + logits + embeddings;
    }
}
