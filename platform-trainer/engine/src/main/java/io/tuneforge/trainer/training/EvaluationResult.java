package io.tuneforge.trainer.training;

/**
 * A validation pass (every {@code eval_steps} and at the end).
 *
 * @param step         optimizer steps completed
 * @param epoch        fractional epoch reached
 * @param loss         mean negative log-likelihood per target token of the validation set (nats)
 * @param perplexity   {@code exp(loss)}
 * @param targetTokens target tokens the loss averages over
 * @param best         true when this is the lowest validation loss so far
 * @param metrics      further validation metrics by TRL's name without the {@code eval_} prefix (preference
 *                     training: {@code rewards/accuracies}, {@code rewards/margins}, ...); empty otherwise
 */
public record EvaluationResult(long step, double epoch, double loss, double perplexity, long targetTokens,
                               boolean best, java.util.Map<String, Double> metrics) {

    public EvaluationResult {
        metrics = java.util.Map.copyOf(metrics);
    }

    /** A validation pass with its loss only. */
    public EvaluationResult(long step, double epoch, double loss, double perplexity, long targetTokens,
                            boolean best) {
        this(step, epoch, loss, perplexity, targetTokens, best, java.util.Map.of());
    }
}
