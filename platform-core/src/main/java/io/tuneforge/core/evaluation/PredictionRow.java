package io.tuneforge.core.evaluation;

/**
 * One line of a job's {@code predictions.jsonl}: a held-out prompt answered by both models (the shape the trainer's
 * {@code compare} command and job runner write, see the trainer's {@code ComparisonRow}).
 *
 * @param prompt the prompt as the models saw it
 * @param label  the reference answer of the held-out set ("" when absent)
 * @param base   the base model's answer
 * @param tuned  the tuned model's answer
 */
public record PredictionRow(String prompt, String label, String base, String tuned) {
}
