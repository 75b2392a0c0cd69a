package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** The feed-forward half of a decoder layer: a dense {@link Mlp} or a mixture of experts ({@link SparseMoe}). */
public interface FeedForward {

    /**
     * @param x (B, T, C) in {@code step}
     * @return (B, T, C) in {@code step}
     */
    NDArray forward(NDManager step, NDArray x, boolean training);

    /** Every linear of the block, in checkpoint order (LoRA targets, saving, merging). */
    Linear[] linears();
}
