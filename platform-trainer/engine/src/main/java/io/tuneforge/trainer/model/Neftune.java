package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * NEFTune (Jain et al., 2023, "NEFTune: Noisy Embeddings Improve Instruction Finetuning"), as Hugging Face's
 * {@code neftune_post_forward_hook}: during training the embedded inputs become
 * <pre>
 *   x + U(-m, m),   m = alpha / sqrt(T · C)     T the (padded) sequence length, C the hidden size
 * </pre>
 * drawn from the engine RNG (which the trainer reseeds per step, so a resumed run draws the same noise). The noise
 * is a constant for autograd: the gradient of the embedding is unchanged.
 */
public final class Neftune {

    private Neftune() {
    }

    /** The noise bound {@code alpha / sqrt(T · C)} for embeddings of shape (B, T, C). */
    public static double magnitude(double alpha, long sequenceLength, long hiddenSize) {
        return alpha / Math.sqrt((double) sequenceLength * hiddenSize);
    }

    /**
     * The embeddings with NEFTune noise added.
     *
     * @param step       per-step manager receiving the noise and the sum
     * @param embeddings (B, T, C) embedded input tokens
     * @param alpha      {@code neftune_noise_alpha}
     * @return (B, T, C) in {@code step}
     */
    public static NDArray addNoise(NDManager step, NDArray embeddings, double alpha) {
        long t = embeddings.getShape().get(1);
        long c = embeddings.getShape().get(2);
        float m = (float) magnitude(alpha, t, c);
        NDArray noise = step.randomUniform(-m, m, embeddings.getShape(), embeddings.getDataType(),
                embeddings.getDevice());                                                   // (B, T, C)
        NDArray noisy = embeddings.add(noise);                                             // (B, T, C)
        noisy.attach(step);
        return noisy;
    }
}
