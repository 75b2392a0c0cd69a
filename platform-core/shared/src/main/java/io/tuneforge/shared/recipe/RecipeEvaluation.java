package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

/**
 * The validation loss during training and early stopping on it.
 *
 * @param perDeviceEvalBatchSize {@code per_device_eval_batch_size}: samples per evaluation forward pass
 * @param evalSteps              {@code eval_steps}: validation loss every this many steps; empty: once per epoch
 *                               when a validation split exists (Hugging Face's {@code eval_strategy: epoch});
 *                               0: only at the end
 * @param earlyStoppingPatience  {@code early_stopping_steps} (Hugging Face's {@code early_stopping_patience} is read
 *                               as it): stop after this many evaluations without improvement; empty: never
 * @param earlyStoppingThreshold {@code early_stopping_threshold}: an evaluation improves only by more than this
 * @param loadBestModelAtEnd     {@code load_best_model_at_end}: keep the weights of the lowest validation loss
 */
public record RecipeEvaluation(int perDeviceEvalBatchSize, Optional<Long> evalSteps,
        Optional<Long> earlyStoppingPatience, double earlyStoppingThreshold, boolean loadBestModelAtEnd) {

    static final RecipeField PER_DEVICE_EVAL_BATCH_SIZE = RecipeField.integer("per_device_eval_batch_size",
            Section.EVALUATION, 2L, Range.between(1, 65_536), "Evaluation batch size",
            "Samples per forward pass when computing the validation loss.");
    static final RecipeField EVAL_STEPS = RecipeField.integer("eval_steps", Section.EVALUATION, null,
            Range.between(0, 1_000_000_000), "Eval steps",
            "Validation loss every this many steps (blank: once per epoch; 0: only at the end). Needs a validation "
                    + "split.");
    static final RecipeField EARLY_STOPPING_STEPS = RecipeField.integer("early_stopping_steps", Section.EVALUATION,
            null, Range.between(1, 1_000_000), "Early stopping patience",
            "Stop after this many evaluations without improvement (blank: never). Needs a validation split.");
    static final RecipeField EARLY_STOPPING_THRESHOLD = RecipeField.decimal("early_stopping_threshold",
            Section.EVALUATION, 0.0, Range.between(0, 1e6), "Early stopping threshold",
            "An evaluation counts as better only when the loss drops by more than this.");
    static final RecipeField LOAD_BEST_MODEL_AT_END = RecipeField.bool("load_best_model_at_end", Section.EVALUATION,
            false, "Keep the best model", "At the end keep the weights of the lowest validation loss, not the last.");

    static final List<RecipeField> FIELDS = List.of(PER_DEVICE_EVAL_BATCH_SIZE, EVAL_STEPS, EARLY_STOPPING_STEPS,
            EARLY_STOPPING_THRESHOLD, LOAD_BEST_MODEL_AT_END);

    static RecipeEvaluation from(RecipeValues v) {
        return new RecipeEvaluation((int) v.integer(PER_DEVICE_EVAL_BATCH_SIZE), v.optionalInteger(EVAL_STEPS),
                v.optionalInteger(EARLY_STOPPING_STEPS),
                v.decimal(EARLY_STOPPING_THRESHOLD), v.bool(LOAD_BEST_MODEL_AT_END));
    }
}
