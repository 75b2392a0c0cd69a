package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;

/**
 * SwiGLU feed-forward: {@code down(silu(gate(x)) · up(x))}, silu(z) = z·σ(z). Phi-3 fuses gate and up into one
 * {@code gate_up_proj} whose first half of outputs is the gate.
 */
public final class Mlp implements FeedForward {

    private final Linear gate;      // null when fused
    private final Linear up;
    private final Linear gateUp;    // Phi-3's fused gate/up projection, else null
    private final Linear down;
    private GeluTanh gelu;          // Gemma's activation; null = SiLU

    Mlp(Linear gate, Linear up, Linear down) {
        this(gate, up, null, down);
    }

    /** Gemma's MLP: the same projections with GELU-tanh in place of SiLU. */
    static Mlp geluTanh(Linear gate, Linear up, Linear down, GeluTanh gelu) {
        Mlp mlp = new Mlp(gate, up, null, down);
        mlp.gelu = gelu;
        return mlp;
    }

    private Mlp(Linear gate, Linear up, Linear gateUp, Linear down) {
        this.gate = gate;
        this.up = up;
        this.gateUp = gateUp;
        this.down = down;
    }

    /** Phi-3's MLP: {@code gate_up_proj} (out 2·I: gate rows, then up rows) and {@code down_proj}. */
    static Mlp fused(Linear gateUp, Linear down) {
        return new Mlp(null, null, gateUp, down);
    }

    @Override
    public Linear[] linears() {
        return gateUp != null ? new Linear[] {gateUp, down} : new Linear[] {gate, up, down};
    }

    /**
     * @param x (B, T, C) in {@code step}
     * @return (B, T, C) in {@code step}
     */
    @Override
    public NDArray forward(NDManager step, NDArray x, boolean training) {
        NDArray g;
        NDArray u;
        if (gateUp == null) {
            g = gate.forward(step, x, training);                                            // (B, T, I)
            u = up.forward(step, x, training);                                              // (B, T, I)
        } else {
            NDArray both = gateUp.forward(step, x, training);                               // (B, T, 2I)
            long inner = gateUp.outFeatures() / 2;
            g = both.get(new NDIndex("..., :{}", inner));                                   // (B, T, I)
            u = both.get(new NDIndex("..., {}:", inner));                                   // (B, T, I)
        }
        NDArray act = gelu == null ? g.mul(Activation.sigmoid(g)) : gelu.apply(g);         // (B, T, I)
        return down.forward(step, act.mul(u), training);                                    // (B, T, C)
    }
}
