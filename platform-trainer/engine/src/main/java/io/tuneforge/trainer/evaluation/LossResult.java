package io.tuneforge.trainer.evaluation;

/**
 * Held-out loss on the answer tokens.
 *
 * @param loss         mean negative log-likelihood per answer token (answer + EOS), in nats
 * @param perplexity   exp(loss)
 * @param targetTokens answer tokens counted
 */
public record LossResult(double loss, double perplexity, long targetTokens) {
}
