package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Root-mean-square layer norm over the last axis: {@code y = w · x / sqrt(mean(x²) + eps)} (Hugging Face's
 * LlamaRMSNorm). The epsilon is a libtorch scalar held for the model's lifetime.
 */
public final class RmsNorm {

    private final NDArray weight;   // (C)
    private final NDArray eps;      // ()

    RmsNorm(NDArray weight, NDArray eps) {
        this.weight = weight;
        this.eps = eps;
    }

    public NDArray weight() {
        return weight;
    }

    /**
     * @param x (..., C) in {@code step}
     * @return (..., C) in {@code step}
     */
    public NDArray forward(NDManager step, NDArray x) {
        int last = x.getShape().dimension() - 1;
        NDArray meanSquare = x.mul(x).mean(new int[] {last}, true);                         // (..., 1)
        NDArray rms = meanSquare.add(eps).sqrt();                                           // (..., 1)
        return x.div(rms).mul(weight);                                                      // (..., C)
    }
}
