package io.tuneforge.core.job;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeMethod;

/**
 * Estimates a job's memory per device and its duration before it is queued, from the model's dimensions and the
 * job's checked {@link JobRecipe} (so the estimate sees exactly the batch, cutoff, epochs and method that train). Training runs in float32 (DJL cannot compute in bf16), so every
 * tensor counts 4 bytes.
 *
 * <p>Activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models"):
 * per layer {@code s·b·h·(34 + 5·a·s/h)} bytes in 16-bit, doubled for float32, plus the LM head's logits for the
 * trainer's 256-token chunks. Duration assumes {@code 6·N·tokens} FLOPs for full training and {@code 4·N·tokens} for
 * LoRA/freeze (no weight gradients of frozen matrices), at a throughput measured on the reference CPU (2.6e11 FLOP/s
 * on 2 cores) or a conservative 5e13 FLOP/s for a CUDA device. Optimizer state follows {@code optim}: AdamW keeps
 * two moments per trained number, SGD none, Adafactor one row and one column per matrix (a full second moment only
 * for vectors). It is an estimate: it refuses jobs that cannot fit,
 * and gives a time scale, not a promise.
 */
public final class PreflightEstimator {

    private static final long FLOAT_BYTES = 4;
    /** Effective training throughput on the reference CPU (docs/benchmarks.md: ~1,570 tokens/s on a 42M model). */
    static final double CPU_FLOPS = 2.6e11;
    /** Conservative effective throughput of one CUDA device. */
    static final double CUDA_FLOPS = 5e13;
    /** Tokens per chunk of the trainer's chunked LM head + cross-entropy. */
    private static final long LOSS_CHUNK_TOKENS = 256;
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
        long batch = recipe.optimization().perDeviceTrainBatchSize();
        long cutoff = recipe.data().cutoffLen();
        long parameters = model.parameters();
        RecipeMethod method = recipe.method();

        long trainable = switch (method.finetuningType()) {
            case LORA -> loraParameters(model, method.lora());
            case FULL -> parameters;
            case FREEZE -> Math.min(model.layers(), method.freeze().trainableLayers()) * model.parametersPerLayer();
        };
        boolean lora = method.finetuningType() == RecipeMethod.FinetuningType.LORA;
        long weights = parameters * FLOAT_BYTES + (lora ? trainable * FLOAT_BYTES : 0);
        long gradients = trainable * FLOAT_BYTES;
        long optimizer = optimizerStateNumbers(model, recipe, trainable) * FLOAT_BYTES;
        long activations = activationBytes(model, batch, cutoff);
        long subtotal = weights + gradients + optimizer + activations;
        long overhead = subtotal / 10 + (onCuda ? RUNTIME_BYTES : 0);

        long tokens = trainingTokens(recipe, rowCount, cutoff);
        double flopsPerToken = (method.finetuningType() == RecipeMethod.FinetuningType.FULL ? 6.0 : 4.0) * parameters;
        long seconds = (long) Math.ceil(tokens * flopsPerToken / (onCuda ? CUDA_FLOPS : CPU_FLOPS));
        return new ResourceEstimate(weights, trainable, gradients, optimizer, activations, overhead,
                subtotal + overhead, tokens, seconds);
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

    /** Numbers the optimizer keeps for {@code trainable} trained numbers, by {@code optim}. */
    static long optimizerStateNumbers(ModelDimensions m, JobRecipe recipe, long trainable) {
        return switch (recipe.optimization().optim()) {
            case "sgd" -> 0;
            case "adafactor" -> adafactorStateNumbers(m, recipe.method());
            default -> 2 * trainable; // adamw_torch: exp_avg and exp_avg_sq
        };
    }

    /** Adafactor's factored second moment: rows + columns of every trained matrix, the whole of every vector. */
    static long adafactorStateNumbers(ModelDimensions m, RecipeMethod method) {
        long h = m.hiddenSize();
        long kv = m.keyValueWidth();
        long inter = m.intermediateSize();
        if (method.finetuningType() == RecipeMethod.FinetuningType.LORA) {
            long r = method.lora().rank();
            long perLayer = 0;
            for (String target : method.lora().targetModules()) {
                perLayer += switch (target) { // A (r, in): r + in; B (out, r): out + r
                    case "q_proj", "o_proj" -> (r + h) + (h + r);
                    case "k_proj", "v_proj" -> (r + h) + (kv + r);
                    case "gate_proj", "up_proj", "down_proj" -> (r + h) + (inter + r);
                    default -> 0;
                };
            }
            return perLayer * m.layers();
        }
        // q, o (h, h); k, v (kv, h); gate, up (I, h); down (h, I); two norms (h)
        long perLayer = 2 * (h + h) + 2 * (kv + h) + 3 * (inter + h) + 2 * h;
        if (method.finetuningType() == RecipeMethod.FinetuningType.FREEZE) {
            return Math.min(m.layers(), method.freeze().trainableLayers()) * perLayer;
        }
        long embeddings = (m.vocabSize() + h) * (m.tiedEmbeddings() ? 1 : 2);
        return m.layers() * perLayer + embeddings + h;
    }

    /** LoRA matrices A (r × in) and B (out × r) on every targeted linear of every layer. */
    static long loraParameters(ModelDimensions m, RecipeMethod.Lora lora) {
        long r = lora.rank();
        long h = m.hiddenSize();
        long kv = m.keyValueWidth();
        long perLayer = 0;
        for (String target : lora.targetModules()) {
            perLayer += switch (target) {
                case "q_proj", "o_proj" -> r * (h + h);
                case "k_proj", "v_proj" -> r * (h + kv);
                case "gate_proj", "up_proj", "down_proj" -> r * (h + m.intermediateSize());
                default -> 0;
            };
        }
        long magnitudes = 0; // DoRA: one magnitude per output feature of each adapted linear
        if (lora.useDora()) {
            for (String target : lora.targetModules()) {
                magnitudes += switch (target) {
                    case "q_proj", "o_proj", "down_proj" -> h;
                    case "k_proj", "v_proj" -> kv;
                    case "gate_proj", "up_proj" -> m.intermediateSize();
                    default -> 0;
                };
            }
        }
        return (perLayer + magnitudes) * m.layers();
    }

    private static long activationBytes(ModelDimensions m, long batch, long cutoff) {
        double perLayer16 = cutoff * batch * m.hiddenSize()
                * (34.0 + 5.0 * m.attentionHeads() * cutoff / m.hiddenSize());
        long layers = (long) (perLayer16 * 2 * m.layers()); // float32: twice the 16-bit figure
        long logits = batch * Math.min(cutoff, LOSS_CHUNK_TOKENS) * m.vocabSize() * FLOAT_BYTES * 3; // logits, softmax, grad
        long embeddings = batch * cutoff * m.hiddenSize() * FLOAT_BYTES * 2;
        return layers + logits + embeddings;
    }
}
