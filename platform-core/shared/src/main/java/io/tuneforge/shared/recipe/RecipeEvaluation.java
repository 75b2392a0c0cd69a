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
 * @param doPredict              {@code do_predict}: instead of training, answer {@code eval_dataset} with the model
 *                               (and {@code adapter_name_or_path}) and score it, as LLaMA-Factory's prediction run
 *                               ({@code train --config} only)
 * @param predictWithGenerate    {@code predict_with_generate}: the prediction run generates answers and scores BLEU-4
 *                               and ROUGE; off, it reports the answers' loss
 */
public record RecipeEvaluation(int perDeviceEvalBatchSize, Optional<Long> evalSteps,
        Optional<Long> earlyStoppingPatience, double earlyStoppingThreshold, boolean loadBestModelAtEnd,
        boolean doPredict, boolean predictWithGenerate) {

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

    // Section METHOD: LLaMA-Factory's run switches, beside do_train (the form does not show them)
    static final RecipeField DO_PREDICT = RecipeField.bool("do_predict", Section.METHOD, false, "Predict",
            "A prediction run instead of training (with do_train: false): answer eval_dataset with the model and "
                    + "adapter_name_or_path, write generated_predictions.jsonl and predict_results.json (train --config).");
    static final RecipeField PREDICT_WITH_GENERATE = RecipeField.bool("predict_with_generate", Section.METHOD, false,
            "Generate in predictions", "The prediction run generates each answer (LLaMA-Factory's sampling "
                    + "defaults) and scores BLEU-4 and ROUGE; off, it reports the answers' loss.");

    static final List<RecipeField> FIELDS = List.of(PER_DEVICE_EVAL_BATCH_SIZE, EVAL_STEPS, EARLY_STOPPING_STEPS,
            EARLY_STOPPING_THRESHOLD, LOAD_BEST_MODEL_AT_END, DO_PREDICT, PREDICT_WITH_GENERATE);

    static RecipeEvaluation from(RecipeValues v) {
        return new RecipeEvaluation((int) v.integer(PER_DEVICE_EVAL_BATCH_SIZE), v.optionalInteger(EVAL_STEPS),
                v.optionalInteger(EARLY_STOPPING_STEPS),
                v.decimal(EARLY_STOPPING_THRESHOLD), v.bool(LOAD_BEST_MODEL_AT_END), doPredict(v),
                v.bool(PREDICT_WITH_GENERATE));
    }

    /**
     * {@code do_predict}: a prediction run replaces training; {@code do_train} left out then means false, as in
     * LLaMA-Factory's prediction YAMLs (Hugging Face's default), while an explicit {@code do_train: true} is refused.
     */
    private static boolean doPredict(RecipeValues v) {
        boolean predict = v.bool(DO_PREDICT);
        if (predict && v.isGiven(RecipeMethod.DO_TRAIN) && v.bool(RecipeMethod.DO_TRAIN)) {
            throw DO_PREDICT.refused(true, v.source(), "true with do_train: false (a prediction run answers "
                    + "eval_dataset with a trained model: train first, then predict with adapter_name_or_path)");
        }
        return predict;
    }
}
