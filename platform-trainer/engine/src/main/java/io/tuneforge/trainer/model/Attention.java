package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Causal self-attention with grouped-query heads (GQA), RoPE, optional q/k RMSNorm (Qwen3) and an optional KV cache.
 * Query heads are grouped under their key/value head ({@code h = kv·G + g}, as transformers' {@code repeat_kv}),
 * so keys and values are never copied G times.
 */
public final class Attention {

    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final RmsNorm qNorm;     // null unless Qwen3
    private final RmsNorm kNorm;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final NDArray scale;     // () 1/√hd

    Attention(Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm, RmsNorm kNorm, ModelConfig config, NDArray scale) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.heads = config.numHeads();
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.scale = scale;
    }

    Linear[] linears() {
        return new Linear[] {q, k, v, o};
    }

    RmsNorm qNorm() {
        return qNorm;
    }

    RmsNorm kNorm() {
        return kNorm;
    }

    /**
     * @param x      (B, T, C) normed input in {@code step}
     * @param mask   (T, S) additive causal mask: 0 where allowed, large negative where not; (B, 1, 1, T, S) for a
     *               left-padded batch (each row's padding hidden too)
     * @param cache  this layer's cache, or null
     * @param layer  layer index for the cache
     * @param offset position of the first of the T tokens
     * @return (B, T, C) in {@code step}
     */
    public NDArray forward(NDManager step, NDArray x, RotaryEmbedding rope, NDArray mask, KvCache cache, int layer,
                           int offset, boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int groups = heads / kvHeads;

        NDArray queries = q.forward(step, x, training).reshape(b, t, heads, headDim);       // (B, T, H, hd)
        NDArray keysNow = k.forward(step, x, training).reshape(b, t, kvHeads, headDim);     // (B, T, KV, hd)
        NDArray valuesNow = v.forward(step, x, training).reshape(b, t, kvHeads, headDim);   // (B, T, KV, hd)
        if (qNorm != null) {
            queries = qNorm.forward(step, queries);                                         // Qwen3: per-head RMSNorm
            keysNow = kNorm.forward(step, keysNow);
        }
        queries = rope.apply(step, queries.transpose(0, 2, 1, 3), offset);                  // (B, H, T, hd)
        keysNow = rope.apply(step, keysNow.transpose(0, 2, 1, 3), offset);                  // (B, KV, T, hd)
        valuesNow = valuesNow.transpose(0, 2, 1, 3);                                        // (B, KV, T, hd)

        NDArray keys = keysNow;
        NDArray values = valuesNow;
        if (cache != null) {
            NDArray[] kv = cache.append(layer, keysNow, valuesNow);                         // (B, KV, S, hd) each
            keys = kv[0];
            values = kv[1];
        }
        long s = keys.getShape().get(2);

        // 1/√hd applied to the queries (B·H·T·hd values) rather than to the scores (B·H·T·S values)
        NDArray grouped = queries.mul(scale).reshape(b, kvHeads, groups * t, headDim);      // (B, KV, G*T, hd)
        NDArray scores = grouped.matMul(own(step, keys.transpose(0, 1, 3, 2)));             // (B, KV, G*T, S)
        scores = scores.reshape(b, kvHeads, groups, t, s).add(mask);                        // (B, KV, G, T, S)
        NDArray weights = scores.softmax(4).reshape(b, kvHeads, groups * t, s);             // (B, KV, G*T, S)
        NDArray context = weights.matMul(values);                                           // (B, KV, G*T, hd)
        NDArray merged = context.reshape(b, heads, t, headDim)                              // (B, H, T, hd)
                .transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);              // (B, T, H*hd)
        return o.forward(step, merged, training);                                           // (B, T, C)
    }
}
