package io.tuneforge.trainer.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits, in Hugging Face's order: repetition penalty, then greedy argmax or temperature,
 * top-k, top-p and a draw from the remaining distribution. Works on a Java float[] (one row of vocab).
 */
public final class Sampler {

    private final GenerationConfig config;
    private final SplittableRandom random;

    public Sampler(GenerationConfig config) {
        this.config = config;
        this.random = config.seed().isPresent() ? new SplittableRandom(config.seed().getAsLong()) : new SplittableRandom();
    }

    /**
     * @param logits  (V) logits of the next position; modified in place
     * @param history prompt and generated ids so far (for the repetition penalty)
     * @param length  number of valid entries in {@code history}
     */
    public int next(float[] logits, int[] history, int length) {
        applyRepetitionPenalty(logits, history, length);
        if (config.isGreedy()) {
            return argmax(logits);
        }
        int v = logits.length;
        double[] probs = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            probs[i] = logits[i] / config.temperature();
            max = Math.max(max, probs[i]);
        }
        Integer[] order = null;
        boolean[] keep = new boolean[v];
        Arrays.fill(keep, true);
        if (config.topK() > 0 && config.topK() < v) {
            order = sortedDescending(probs);
            for (int r = config.topK(); r < v; r++) {
                keep[order[r]] = false;
            }
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            probs[i] = keep[i] ? Math.exp(probs[i] - max) : 0;
            sum += probs[i];
        }
        for (int i = 0; i < v; i++) {
            probs[i] /= sum;
        }
        if (config.topP() < 1) {
            if (order == null) {
                order = sortedDescending(probs);
            }
            // keep the smallest prefix whose mass reaches top_p (the top token always stays)
            double cumulative = 0;
            boolean reached = false;
            for (Integer id : order) {
                if (reached) {
                    probs[id] = 0;
                } else {
                    cumulative += probs[id];
                    reached = cumulative >= config.topP();
                }
            }
        }
        double total = 0;
        for (double p : probs) {
            total += p;
        }
        double u = random.nextDouble() * total;
        double acc = 0;
        int last = -1;
        for (int i = 0; i < v; i++) {
            if (probs[i] > 0) {
                acc += probs[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last;
    }

    private void applyRepetitionPenalty(float[] logits, int[] history, int length) {
        double penalty = config.repetitionPenalty();
        if (penalty == 1) {
            return;
        }
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < length; i++) {
            int id = history[i];
            if (id >= 0 && id < logits.length && !seen[id]) {
                seen[id] = true;
                logits[id] = (float) (logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty);
            }
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static Integer[] sortedDescending(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        return order;
    }
}
