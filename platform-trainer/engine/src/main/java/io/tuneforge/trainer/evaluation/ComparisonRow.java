package io.tuneforge.trainer.evaluation;

/**
 * One held-out row answered by both models, for inspection and later blind A/B rating.
 *
 * @param prompt the prompt text (chat template applied)
 * @param label  the reference answer
 * @param base   the base model's answer
 * @param tuned  the tuned model's (base + adapter) answer
 */
public record ComparisonRow(String prompt, String label, String base, String tuned) {
}
