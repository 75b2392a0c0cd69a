package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

/** SwiGLU feed-forward: {@code down(silu(gate(x)) · up(x))}, silu(z) = z·σ(z). */
public final class Mlp {

    private final Linear gate;
    private final Linear up;
    private final Linear down;

    Mlp(Linear gate, Linear up, Linear down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    Linear[] linears() {
        return new Linear[] {gate, up, down};
    }

    /**
     * @param x (B, T, C) in {@code step}
     * @return (B, T, C) in {@code step}
     */
    public NDArray forward(NDManager step, NDArray x, boolean training) {
        NDArray g = gate.forward(step, x, training);                                        // (B, T, I)
        NDArray silu = g.mul(Activation.sigmoid(g));                                        // (B, T, I)
        NDArray u = up.forward(step, x, training);                                          // (B, T, I)
        return down.forward(step, silu.mul(u), training);                                   // (B, T, C)
    }
}
