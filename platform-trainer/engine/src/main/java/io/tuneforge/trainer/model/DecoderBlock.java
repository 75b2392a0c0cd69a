package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** One pre-norm decoder layer: {@code h = x + attn(norm₁(x)); y = h + mlp(norm₂(h))}. */
public final class DecoderBlock {

    private final int index;
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final Mlp mlp;

    DecoderBlock(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    int index() {
        return index;
    }

    Attention attention() {
        return attention;
    }

    Mlp mlp() {
        return mlp;
    }

    RmsNorm inputNorm() {
        return inputNorm;
    }

    RmsNorm postAttentionNorm() {
        return postAttentionNorm;
    }

    /**
     * @param x (B, T, C) residual stream in {@code step}
     * @return (B, T, C) in {@code step}
     */
    public NDArray forward(NDManager step, NDArray x, RotaryEmbedding rope, NDArray mask, KvCache cache, int offset,
                           boolean training) {
        // attention rmsnorm, attention, residual
        NDArray h = x.add(attention.forward(step, inputNorm.forward(step, x), rope, mask, cache, index, offset, training));
        // ffn rmsnorm, SwiGLU, residual
        return h.add(mlp.forward(step, postAttentionNorm.forward(step, h), training));
    }
}
