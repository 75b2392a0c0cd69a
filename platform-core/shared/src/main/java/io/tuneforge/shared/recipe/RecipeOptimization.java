package io.tuneforge.shared.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How weights are updated: Hugging Face TrainingArguments names, defaults of LLaMA-Factory's web UI.
 *
 * @param learningRate              {@code learning_rate}: peak AdamW learning rate
 * @param numTrainEpochs            {@code num_train_epochs}: passes over the training data (fractions allowed)
 * @param maxSteps                  {@code max_steps}: optimizer steps; overrides the epochs when set
 * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: samples per forward pass
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: forward passes per optimizer step
 * @param lrSchedulerType           {@code lr_scheduler_type}: the decay after warmup
 * @param warmupSteps               {@code warmup_steps}: linear warmup steps; wins over the ratio when above 0
 * @param warmupRatio               {@code warmup_ratio}: warmup as a share of all steps
 * @param maxGradNorm               {@code max_grad_norm}: global gradient-norm clipping; 0 disables
 * @param weightDecay               {@code weight_decay}: AdamW decoupled weight decay
 * @param adamBeta1                 {@code adam_beta1}: AdamW first-moment decay
 * @param adamBeta2                 {@code adam_beta2}: AdamW second-moment decay
 * @param adamEpsilon               {@code adam_epsilon}: AdamW epsilon
 * @param seed                      {@code seed}: shuffling, split and initialisation seed
 * @param optim                     {@code optim}: the optimizer (adamw_torch, adamw_8bit, sgd, adafactor, aliases)
 * @param lrSchedulerKwargs         {@code lr_scheduler_kwargs}: the schedule's own arguments (e.g. min_lr_rate);
 *                                  empty for Hugging Face's defaults; the trainer checks the names per schedule
 * @param neftuneNoiseAlpha         {@code neftune_noise_alpha}: NEFTune's noise scale on input embeddings; 0 is off
 * @param useDftLoss                {@code use_dft_loss}: weigh each target token's loss by its probability (DFT);
 *                                  wins over EAFT when both are set, as in LLaMA-Factory
 * @param useEaftLoss               {@code use_eaft_loss}: weigh each target token's loss by its top-20 entropy (EAFT)
 * @param eaftAlpha                 {@code eaft_alpha}: EAFT's exponent on the entropy weight
 * @param useAsftLoss               {@code use_asft_loss}: ASFT, DFT's weighted loss plus {@code asft_alpha} times the
 *                                  KL divergence from the frozen reference model's predictions to the model's
 * @param asftAlpha                 {@code asft_alpha}: ASFT's weight of the KL term
 * @param memoryOptimizers          GaLore, BAdam, Adam-mini or Muon in place of {@code optim} (DD032)
 */
public record RecipeOptimization(double learningRate, double numTrainEpochs, Optional<Long> maxSteps,
        int perDeviceTrainBatchSize, int gradientAccumulationSteps, String lrSchedulerType, int warmupSteps,
        double warmupRatio, double maxGradNorm, double weightDecay, double adamBeta1, double adamBeta2,
        double adamEpsilon, long seed, String optim, Map<String, Object> lrSchedulerKwargs,
        double neftuneNoiseAlpha, boolean useDftLoss, boolean useEaftLoss, double eaftAlpha, boolean useAsftLoss,
        double asftAlpha, RecipeMemoryOptimizers memoryOptimizers) {

    public RecipeOptimization {
        lrSchedulerKwargs = Map.copyOf(lrSchedulerKwargs);
    }

    /** Hugging Face scheduler names the trainer implements. */
    public static final List<String> SCHEDULERS = List.of("cosine", "linear", "constant", "constant_with_warmup",
            "cosine_with_restarts", "polynomial", "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr",
            "cosine_warmup_with_min_lr", "warmup_stable_decay", "greedy");

    /** Schedules that need {@code min_lr} or {@code min_lr_rate} in {@code lr_scheduler_kwargs} (Hugging Face raises). */
    private static final List<String> MIN_LR_SCHEDULERS = List.of("cosine_with_min_lr", "cosine_warmup_with_min_lr");

    /**
     * Hugging Face optimizer names the trainer implements ({@code adamw_torch_fused} is adamw_torch's maths;
     * {@code adamw_bnb_8bit} and {@code paged_adamw_8bit} are adamw_8bit: paging only matters for CUDA memory).
     */
    public static final List<String> OPTIMIZERS = List.of("adamw_torch", "adamw_torch_fused", "adamw_8bit",
            "adamw_bnb_8bit", "paged_adamw_8bit", "paged_adamw_32bit", "sgd", "adafactor");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static final RecipeField LEARNING_RATE = RecipeField.decimal("learning_rate", Section.OPTIMIZATION, 5e-5,
            Range.aboveUpTo(0, 10), "Learning rate",
            "Peak AdamW learning rate. LoRA often uses 1e-4 to 2e-4; full fine-tuning 1e-5 to 5e-5.");
    static final RecipeField NUM_TRAIN_EPOCHS = RecipeField.decimal("num_train_epochs", Section.OPTIMIZATION, 3.0,
            Range.aboveUpTo(0, 100_000), "Epochs",
            "Passes over the training data (fractions allowed). Ignored when max steps is set.");
    static final RecipeField MAX_STEPS = RecipeField.integer("max_steps", Section.OPTIMIZATION, null,
            Range.between(1, 1_000_000_000), "Max steps", "Stop after this many optimizer steps (blank: use epochs).");
    static final RecipeField PER_DEVICE_TRAIN_BATCH_SIZE = RecipeField.integer("per_device_train_batch_size",
            Section.OPTIMIZATION, 2L, Range.between(1, 65_536), "Batch size",
            "Samples per device per forward pass. Lower it first when memory runs out.");
    static final RecipeField GRADIENT_ACCUMULATION_STEPS = RecipeField.integer("gradient_accumulation_steps",
            Section.OPTIMIZATION, 8L, Range.between(1, 65_536), "Gradient accumulation",
            "Forward passes per optimizer step; effective batch = batch size × this × devices.");
    static final RecipeField LR_SCHEDULER_TYPE = RecipeField.choice("lr_scheduler_type", Section.OPTIMIZATION,
            "cosine", SCHEDULERS, "LR scheduler", "How the learning rate decays after warmup.");
    static final RecipeField WARMUP_STEPS = RecipeField.integer("warmup_steps", Section.OPTIMIZATION, 0L,
            Range.between(0, 1_000_000_000), "Warmup steps",
            "Steps over which the learning rate rises from 0 to its peak (wins over the warmup ratio).");
    static final RecipeField WARMUP_RATIO = RecipeField.decimal("warmup_ratio", Section.OPTIMIZATION, 0.0,
            Range.fromBelow(0, 1), "Warmup ratio", "Warmup as a share of all steps, from 0 up to (not including) 1.");
    static final RecipeField MAX_GRAD_NORM = RecipeField.decimal("max_grad_norm", Section.OPTIMIZATION, 1.0,
            Range.between(0, 1e6), "Max gradient norm",
            "Gradients are clipped to this global norm (guards against spikes); 0 disables clipping.");
    static final RecipeField WEIGHT_DECAY = RecipeField.decimal("weight_decay", Section.OPTIMIZATION, 0.0,
            Range.between(0, 10), "Weight decay", "AdamW decoupled weight decay.");
    static final RecipeField ADAM_BETA1 = RecipeField.decimal("adam_beta1", Section.OPTIMIZATION, 0.9,
            Range.fromBelow(0, 1), "Adam β1", "AdamW first-moment decay.");
    static final RecipeField ADAM_BETA2 = RecipeField.decimal("adam_beta2", Section.OPTIMIZATION, 0.999,
            Range.fromBelow(0, 1), "Adam β2", "AdamW second-moment decay.");
    static final RecipeField ADAM_EPSILON = RecipeField.decimal("adam_epsilon", Section.OPTIMIZATION, 1e-8,
            Range.aboveUpTo(0, 1), "Adam ε", "AdamW epsilon (numerical stability).");
    static final RecipeField SEED = RecipeField.integer("seed", Section.OPTIMIZATION, 42L,
            Range.between(0, 4_294_967_295L), "Seed", "Makes shuffling, the validation split and initialisation repeatable.");
    static final RecipeField OPTIM = RecipeField.choice("optim", Section.OPTIMIZATION, "adamw_torch", OPTIMIZERS,
            "Optimizer", "adamw_torch: AdamW (two moments per weight); adamw_8bit: bitsandbytes' AdamW with both "
                    + "moments stored in 8 bits (about a quarter of AdamW's optimizer memory; tensors under 4096 "
                    + "numbers and embeddings stay 32-bit); paged_* variants: the same on the CPU (paging only moves "
                    + "CUDA state to host memory); sgd: plain SGD, no optimizer memory; adafactor: factored second "
                    + "moment (rows + columns per matrix), far less memory.");
    static final RecipeField LR_SCHEDULER_KWARGS = RecipeField.text("lr_scheduler_kwargs", Section.OPTIMIZATION, null,
            "Scheduler arguments", "The schedule's own arguments as a JSON object, e.g. {\"min_lr_rate\": 0.1} for "
                    + "cosine_with_min_lr or {\"num_cycles\": 3} for cosine_with_restarts (blank: defaults).");
    static final RecipeField USE_DFT_LOSS = RecipeField.bool("use_dft_loss", Section.OPTIMIZATION, false, "DFT loss",
            "Dynamic fine-tuning: each answer token's loss is weighted by the model's probability of it "
                    + "(wins over EAFT when both are on).");
    static final RecipeField USE_EAFT_LOSS = RecipeField.bool("use_eaft_loss", Section.OPTIMIZATION, false, "EAFT loss",
            "Entropy-adaptive fine-tuning: each answer token's loss is weighted by (entropy of its top-20 "
                    + "prediction / 3) ^ EAFT alpha.");
    static final RecipeField EAFT_ALPHA = RecipeField.decimal("eaft_alpha", Section.OPTIMIZATION, 1.0,
            Range.aboveUpTo(0, 100), "EAFT alpha", "Exponent of EAFT's entropy weight.");
    static final RecipeField USE_ASFT_LOSS = RecipeField.bool("use_asft_loss", Section.OPTIMIZATION, false,
            "ASFT loss", "Anchored SFT: DFT's probability-weighted loss plus ASFT alpha × the KL divergence from the "
                    + "frozen starting model's predictions (LoRA: adapters off; full/freeze: a frozen copy in memory).");
    static final RecipeField ASFT_ALPHA = RecipeField.decimal("asft_alpha", Section.OPTIMIZATION, 0.1,
            Range.between(0, 100), "ASFT alpha", "Weight of ASFT's KL anchor to the starting model.");
    static final RecipeField NEFTUNE_NOISE_ALPHA = RecipeField.decimal("neftune_noise_alpha", Section.OPTIMIZATION,
            0.0, Range.between(0, 1000), "NEFTune alpha",
            "Uniform noise of scale alpha/√(length·width) on the input embeddings while training (NEFTune; "
                    + "5 is typical); 0 turns it off.");

    static final List<RecipeField> FIELDS = List.of(LEARNING_RATE, NUM_TRAIN_EPOCHS, MAX_STEPS,
            PER_DEVICE_TRAIN_BATCH_SIZE, GRADIENT_ACCUMULATION_STEPS, LR_SCHEDULER_TYPE, WARMUP_STEPS, WARMUP_RATIO,
            MAX_GRAD_NORM, WEIGHT_DECAY, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, SEED, OPTIM, LR_SCHEDULER_KWARGS,
            NEFTUNE_NOISE_ALPHA, USE_DFT_LOSS, USE_EAFT_LOSS, EAFT_ALPHA, USE_ASFT_LOSS, ASFT_ALPHA);

    /** This section's fields followed by the memory-saving optimizers' (one Training section in the form). */
    static final List<RecipeField> ALL_FIELDS = java.util.stream.Stream.concat(FIELDS.stream(),
            RecipeMemoryOptimizers.FIELDS.stream()).toList();

    static RecipeOptimization from(RecipeValues v) {
        return new RecipeOptimization(v.decimal(LEARNING_RATE), v.decimal(NUM_TRAIN_EPOCHS),
                v.optionalInteger(MAX_STEPS), (int) v.integer(PER_DEVICE_TRAIN_BATCH_SIZE),
                (int) v.integer(GRADIENT_ACCUMULATION_STEPS), v.text(LR_SCHEDULER_TYPE), (int) v.integer(WARMUP_STEPS),
                v.decimal(WARMUP_RATIO), v.decimal(MAX_GRAD_NORM), v.decimal(WEIGHT_DECAY), v.decimal(ADAM_BETA1),
                v.decimal(ADAM_BETA2), v.decimal(ADAM_EPSILON), v.integer(SEED), v.text(OPTIM),
                schedulerKwargs(v), v.decimal(NEFTUNE_NOISE_ALPHA), v.bool(USE_DFT_LOSS), v.bool(USE_EAFT_LOSS),
                v.decimal(EAFT_ALPHA), asft(v), v.decimal(ASFT_ALPHA), RecipeMemoryOptimizers.from(v));
    }

    /** {@code use_asft_loss}, refused beside DFT or EAFT (LLaMA-Factory would mix their loss functions). */
    private static boolean asft(RecipeValues v) {
        boolean asft = v.bool(USE_ASFT_LOSS);
        if (asft && (v.bool(USE_DFT_LOSS) || v.bool(USE_EAFT_LOSS))) {
            throw USE_ASFT_LOSS.refused(true, v.source(), "false beside use_dft_loss or use_eaft_loss (ASFT already "
                    + "contains DFT's weighting; choose one loss)");
        }
        return asft;
    }

    /** {@code lr_scheduler_kwargs}: a JSON object of numbers and words (Hugging Face's dict), blank for none. */
    private static Map<String, Object> schedulerKwargs(RecipeValues v) {
        String text = v.optionalText(LR_SCHEDULER_KWARGS).orElse("");
        if (text.isBlank()) {
            if (MIN_LR_SCHEDULERS.contains(v.text(LR_SCHEDULER_TYPE))) {
                throw LR_SCHEDULER_KWARGS.refused(text, v.source(), "min_lr or min_lr_rate with lr_scheduler_type "
                        + v.text(LR_SCHEDULER_TYPE) + ", e.g. {\"min_lr_rate\": 0.1}");
            }
            return Map.of();
        }
        String rule = "a JSON object of numbers or words, e.g. {\"min_lr_rate\": 0.1}";
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            throw LR_SCHEDULER_KWARGS.refused(text, v.source(), rule);
        }
        if (node == null || !node.isObject()) {
            throw LR_SCHEDULER_KWARGS.refused(text, v.source(), rule);
        }
        if (MIN_LR_SCHEDULERS.contains(v.text(LR_SCHEDULER_TYPE)) && !node.has("min_lr") && !node.has("min_lr_rate")) {
            throw LR_SCHEDULER_KWARGS.refused(text, v.source(), "min_lr or min_lr_rate with lr_scheduler_type "
                    + v.text(LR_SCHEDULER_TYPE) + ", e.g. {\"min_lr_rate\": 0.1}");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : node.propertyNames()) {
            JsonNode value = node.get(name);
            if (value.isNumber()) {
                out.put(name, value.asDouble());
            } else if (value.isString()) {
                out.put(name, value.asString());
            } else {
                throw LR_SCHEDULER_KWARGS.refused(text, v.source(), rule);
            }
        }
        return out;
    }
}
