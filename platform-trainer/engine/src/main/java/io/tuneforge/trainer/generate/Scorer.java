package io.tuneforge.trainer.generate;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.CausalLanguageModel;

import java.util.Arrays;

/**
 * Negative log-likelihood of a token sequence under a model: each token after the first is predicted from those
 * before it. Sequences longer than the model's context are scored in consecutive windows (each window's first token
 * is context only). Logits are computed {@value #CHUNK} rows at a time.
 */
public final class Scorer {

    private static final int CHUNK = 256;

    private final CausalLanguageModel model;

    public Scorer(CausalLanguageModel model) {
        this.model = model;
    }

    /**
     * Result of scoring.
     *
     * @param tokenCount   number of predicted tokens
     * @param sumNll       total negative log-likelihood in nats
     */
    public record Score(long tokenCount, double sumNll) {

        /** Mean NLL per predicted token (nats). */
        public double meanNll() {
            return tokenCount == 0 ? Double.NaN : sumNll / tokenCount;
        }

        /** exp(mean NLL). */
        public double perplexity() {
            return Math.exp(meanNll());
        }
    }

    /** Scores {@code ids} (BOS included if the model expects it). */
    public Score score(int[] ids) {
        int window = Math.max(2, model.config().maxPositions());
        long count = 0;
        double sum = 0;
        for (int start = 0; start + 1 < ids.length; start += window - 1) {
            int end = Math.min(ids.length, start + window);
            int[] part = Arrays.copyOfRange(ids, start, end);
            sum += windowNll(part);
            count += part.length - 1;
        }
        return new Score(count, sum);
    }

    private double windowNll(int[] ids) {
        try (GradMode off = GradMode.disabled(); NDManager step = model.manager().newSubManager()) {
            long[] input = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                input[i] = ids[i];
            }
            NDArray hidden = model.hiddenStates(step, step.create(input, new Shape(1, ids.length)), false);  // (1, T, C)
            NDArray flat = own(step, hidden.reshape(ids.length, -1));                                        // (T, C)
            double total = 0;
            int predicted = ids.length - 1;
            for (int s = 0; s < predicted; s += CHUNK) {
                int e = Math.min(predicted, s + CHUNK);
                NDArray rows = own(step, flat.get(new NDIndex("{}:{}", s, e)));                              // (n, C)
                NDArray logProbs = own(step, model.logits(step, rows).logSoftmax(1));                        // (n, V)
                long[] targets = new long[e - s];
                for (int i = s; i < e; i++) {
                    targets[i - s] = ids[i + 1];
                }
                NDArray picked = own(step, logProbs.gather(step.create(targets, new Shape(e - s, 1)), 1));   // (n, 1)
                for (float v : picked.toFloatArray()) {
                    total -= v;
                }
            }
            return total;
        }
    }
}
