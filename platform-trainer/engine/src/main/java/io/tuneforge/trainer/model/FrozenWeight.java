package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A frozen base weight (out, in) held inside libtorch in a compact form (bfloat16: {@link Bf16WeightStore}; 4 or 8
 * bits: {@link QuantizedWeightStore}) rather than as a float32 DJL array. It computes {@code x·Wᵀ} with the gradient
 * reaching {@code x} only.
 */
public interface FrozenWeight {

    long outFeatures();

    long inFeatures();

    /**
     * @param x (..., in) float32 in {@code step}
     * @return (..., out) float32 in {@code step}
     */
    NDArray project(NDManager step, NDArray x);

    /** The weight as float32 (out, in) in the store's manager (export and tests): close it after use. */
    NDArray widen();

    /** The weight as float32 (out, in) in {@code target}. */
    NDArray widen(NDManager target);
}
