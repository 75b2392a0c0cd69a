package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Root-mean-square layer norm over the last axis: {@code y = w · x / sqrt(mean(x²) + eps)} (Hugging Face's
 * LlamaRMSNorm), or with (1 + w) for Gemma. The epsilon is a libtorch scalar held for the model's lifetime.
 */
public final class RmsNorm {

    private final NDArray weight;   // (C)
    private final NDArray eps;      // ()
    private final NDArray one;      // () Gemma's (1 + w) offset, else null

    RmsNorm(NDArray weight, NDArray eps) {
        this(weight, eps, null);
    }

    private RmsNorm(NDArray weight, NDArray eps, NDArray one) {
        this.weight = weight;
        this.eps = eps;
        this.one = one;
    }

    /** Gemma's norm: {@code y = (1 + w) · x / sqrt(mean(x²) + eps)}; the stored weight is w. */
    static RmsNorm gemma(NDArray weight, NDArray eps, NDArray one) {
        return new RmsNorm(weight, eps, one);
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
        return x.div(rms).mul(one == null ? weight : weight.add(one));                      // (..., C)
    }
}
