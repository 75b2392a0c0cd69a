package io.tuneforge.trainer.training.classification;

/** Class probabilities from scores: a softmax over a few numbers, in double precision and stable for large ones. */
public final class Softmax {

    private Softmax() {
    }

    /** {@code exp(x_k − max) / Σ exp(x_j − max)}: the probabilities of classes scored by logits or log-likelihoods. */
    public static double[] of(double[] logits) {
        double max = java.util.Arrays.stream(logits).max().orElse(0);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int k = 0; k < logits.length; k++) {
            p[k] = Math.exp(logits[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < logits.length; k++) {
            p[k] /= sum;
        }
        return p;
    }
}
