package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.bottleneck.BottleneckAdapter;

/**
 * One pre-norm decoder layer: {@code h = x + attn(norm₁(x)); y = h + mlp(norm₂(h))}. Gemma's layer norms the
 * outputs too: {@code h = x + postAttn(attn(input(x))); y = h + postFfn(mlp(preFfn(h)))}, and may have its own
 * sliding window and RoPE.
 */
public final class DecoderBlock {

    private final int index;
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;     // Llama: before the MLP; Gemma: on the attention output
    private final Mlp mlp;
    private RmsNorm preFeedforwardNorm;          // Gemma only, else null
    private RmsNorm postFeedforwardNorm;         // Gemma only, else null
    private int window = Integer.MAX_VALUE;      // Gemma sliding layer: its own window
    private RotaryEmbedding ownRope;             // Gemma 3 sliding layer: its own RoPE base
    private BottleneckAdapter attentionAdapter;  // bottleneck adapter on the attention output (houlsby), else null
    private BottleneckAdapter mlpAdapter;        // bottleneck adapter on the MLP output, else null

    DecoderBlock(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp) {
        this.index = index;
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    /** Gemma's layer: norms around attention and MLP outputs, optional window and RoPE of its own (or null). */
    static DecoderBlock gemma(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm,
                              RmsNorm preFeedforwardNorm, Mlp mlp, RmsNorm postFeedforwardNorm, int window,
                              RotaryEmbedding ownRope) {
        DecoderBlock block = new DecoderBlock(index, inputNorm, attention, postAttentionNorm, mlp);
        block.preFeedforwardNorm = preFeedforwardNorm;
        block.postFeedforwardNorm = postFeedforwardNorm;
        block.window = window;
        block.ownRope = ownRope;
        return block;
    }

    /** Puts bottleneck adapters on the attention output (null: none) and the MLP output (null: none). */
    void adapters(BottleneckAdapter afterAttention, BottleneckAdapter afterMlp) {
        this.attentionAdapter = afterAttention;
        this.mlpAdapter = afterMlp;
    }

    RmsNorm preFeedforwardNorm() {
        return preFeedforwardNorm;
    }

    RmsNorm postFeedforwardNorm() {
        return postFeedforwardNorm;
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
        return forward(step, x, rope, mask, cache, offset, training, null);
    }

    /**
     * With this layer's prefix keys and values (prefix tuning; see {@link Attention}), or null. Bottleneck adapters,
     * when attached, transform the attention and MLP outputs before their residual additions.
     */
    public NDArray forward(NDManager step, NDArray x, RotaryEmbedding rope, NDArray mask, KvCache cache, int offset,
                           boolean training, NDArray[] prefix) {
        if (preFeedforwardNorm != null) {
            return gemmaForward(step, x, rope, mask, cache, offset, training, prefix);
        }
        // attention rmsnorm, attention, (adapter), residual
        NDArray attended = attention.forward(step, inputNorm.forward(step, x), rope, mask, cache, index, offset,
                training, prefix);                                                          // (B, T, C)
        NDArray h = x.add(adapted(step, attentionAdapter, attended));                      // (B, T, C)
        // ffn rmsnorm, SwiGLU, (adapter), residual
        NDArray fed = mlp.forward(step, postAttentionNorm.forward(step, h), training);     // (B, T, C)
        return h.add(adapted(step, mlpAdapter, fed));                                       // (B, T, C)
    }

    private static NDArray adapted(NDManager step, BottleneckAdapter adapter, NDArray z) {
        return adapter == null ? z : adapter.forward(step, z);
    }

    private NDArray gemmaForward(NDManager step, NDArray x, RotaryEmbedding rope, NDArray mask, KvCache cache,
                                 int offset, boolean training, NDArray[] prefix) {
        int t = (int) x.getShape().get(1);
        NDArray layerMask = mask;
        if (window != Integer.MAX_VALUE) {
            NDArray windowed = own(step, CausalMask.build(step, t, offset, window)
                    .toDevice(mask.getDevice(), false));                                    // (T, S)
            // batched decoding's (B, 1, 1, T, S) mask also hides each row's left padding: keep it, add the window
            layerMask = mask.getShape().dimension() == 5 ? own(step, mask.minimum(windowed)) : windowed;
        }
        RotaryEmbedding layerRope = ownRope != null ? ownRope : rope;
        NDArray attended = attention.forward(step, inputNorm.forward(step, x), layerRope, layerMask, cache, index,
                offset, training, prefix);                                                  // (B, T, C)
        attended = adapted(step, attentionAdapter, attended);                               // (B, T, C)
        NDArray h = x.add(postAttentionNorm.forward(step, attended));                       // (B, T, C)
        NDArray fed = adapted(step, mlpAdapter, mlp.forward(step, preFeedforwardNorm.forward(step, h), training));
        return h.add(postFeedforwardNorm.forward(step, fed));                               // (B, T, C)
    }

    /** The block's own RoPE tables, if any (closed with the model). */
    RotaryEmbedding ownRope() {
        return ownRope;
    }
}
