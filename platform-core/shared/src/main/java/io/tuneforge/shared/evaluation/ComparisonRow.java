package io.tuneforge.shared.evaluation;

/**
 * One held-out prompt answered by both models: a line of a job's {@code predictions.jsonl} (see
 * {@link ComparisonFile}), written by the trainer's {@code compare} command and job runner, read by the platform's
 * blind A/B rating.
 *
 * @param prompt the prompt as the models saw it (chat template applied)
 * @param label  the reference answer of the held-out set ("" when absent)
 * @param base   the base model's answer
 * @param tuned  the tuned model's (base + adapter) answer
 */
public record ComparisonRow(String prompt, String label, String base, String tuned) {
}
