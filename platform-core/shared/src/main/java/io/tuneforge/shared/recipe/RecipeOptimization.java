package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

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
 */
public record RecipeOptimization(double learningRate, double numTrainEpochs, Optional<Long> maxSteps,
        int perDeviceTrainBatchSize, int gradientAccumulationSteps, String lrSchedulerType, int warmupSteps,
        double warmupRatio, double maxGradNorm, double weightDecay, double adamBeta1, double adamBeta2,
        double adamEpsilon, long seed) {

    /** Hugging Face scheduler names the trainer implements. */
    public static final List<String> SCHEDULERS = List.of("cosine", "linear", "constant", "constant_with_warmup");

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

    static final List<RecipeField> FIELDS = List.of(LEARNING_RATE, NUM_TRAIN_EPOCHS, MAX_STEPS,
            PER_DEVICE_TRAIN_BATCH_SIZE, GRADIENT_ACCUMULATION_STEPS, LR_SCHEDULER_TYPE, WARMUP_STEPS, WARMUP_RATIO,
            MAX_GRAD_NORM, WEIGHT_DECAY, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, SEED);

    static RecipeOptimization from(RecipeValues v) {
        return new RecipeOptimization(v.decimal(LEARNING_RATE), v.decimal(NUM_TRAIN_EPOCHS),
                v.optionalInteger(MAX_STEPS), (int) v.integer(PER_DEVICE_TRAIN_BATCH_SIZE),
                (int) v.integer(GRADIENT_ACCUMULATION_STEPS), v.text(LR_SCHEDULER_TYPE), (int) v.integer(WARMUP_STEPS),
                v.decimal(WARMUP_RATIO), v.decimal(MAX_GRAD_NORM), v.decimal(WEIGHT_DECAY), v.decimal(ADAM_BETA1),
                v.decimal(ADAM_BETA2), v.decimal(ADAM_EPSILON), v.integer(SEED));
    }
}
