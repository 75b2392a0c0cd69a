package io.tuneforge.trainer.evaluation;

/**
 * One row of {@code predictions.jsonl} (the shape of LLaMA-Factory's {@code generated_predictions.jsonl}).
 *
 * @param prompt  the prompt text the model saw (chat template applied)
 * @param label   the reference answer
 * @param predict the generated answer
 */
public record Prediction(String prompt, String label, String predict) {
}
