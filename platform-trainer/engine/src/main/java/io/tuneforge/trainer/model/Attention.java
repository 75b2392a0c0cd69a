package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Causal self-attention with grouped-query heads (GQA), RoPE, optional q/k RMSNorm (Qwen3) and an optional KV cache.
 * Query heads are grouped under their key/value head ({@code h = kv·G + g}, as transformers' {@code repeat_kv}),
 * so keys and values are never copied G times. With {@link AttentionKernel#SDPA} the scores, mask, softmax and
 * weighted sum are one call of {@code scaled_dot_product_attention} in a TorchScript archive ({@code sdpa_fp32.pt} or
 * {@code sdpa_bf16.pt}), which repeats keys and values per group inside libtorch.
 */
public final class Attention {

    private final Linear q;          // null when fused
    private final Linear k;
    private final Linear v;
    private final Linear qkv;        // Phi-3's fused q/k/v projection, else null
    private final Linear o;
    private final RmsNorm qNorm;     // null unless Qwen3
    private final RmsNorm kNorm;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final NDArray scale;     // () 1/√hd (Gemma: query_pre_attn_scalar^-0.5)
    private NDArray softcap;         // () Gemma 2's attn_logit_softcapping, else null
    private final ScriptedModule sdpa;   // null: manual attention
    private final NDArray causal;    // () marker telling the SDPA module to use its own causal mask
    private final boolean plainCausal;   // no sliding window: without a cache the mask is the plain causal one

    Attention(Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm, RmsNorm kNorm, ModelConfig config, NDArray scale) {
        this(q, k, v, null, o, qNorm, kNorm, config, scale, null, null);
    }

    /**
     * @param sdpa   the SDPA module, or null for manual attention
     * @param causal a 0-dim array (any value) passed as the mask for plain causal attention (SDPA only)
     */
    Attention(Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm, RmsNorm kNorm, ModelConfig config, NDArray scale,
              ScriptedModule sdpa, NDArray causal) {
        this(q, k, v, null, o, qNorm, kNorm, config, scale, sdpa, causal);
    }

    private Attention(Linear q, Linear k, Linear v, Linear qkv, Linear o, RmsNorm qNorm, RmsNorm kNorm,
                      ModelConfig config, NDArray scale, ScriptedModule sdpa, NDArray causal) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.qkv = qkv;
        this.o = o;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.heads = config.numHeads();
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.scale = scale;
        this.sdpa = sdpa;
        this.causal = causal;
        this.plainCausal = config.slidingWindow().isEmpty();
    }

    /** Phi-3 attention: one {@code qkv_proj} (out (H+2·KV)·hd: q rows, then k, then v) and {@code o_proj}. */
    static Attention fused(Linear qkv, Linear o, ModelConfig config, NDArray scale, ScriptedModule sdpa,
                           NDArray causal) {
        return new Attention(null, null, null, qkv, o, null, null, config, scale, sdpa, causal);
    }

    /** Gemma 2: scores become cap·tanh(scores/cap) before the mask (manual attention only: built without SDPA). */
    Attention withSoftcap(NDArray cap) {
        if (sdpa != null) {
            throw new IllegalStateException("soft-capped attention has no SDPA kernel");
        }
        this.softcap = cap;
        return this;
    }

    Linear[] linears() {
        return qkv != null ? new Linear[] {qkv, o} : new Linear[] {q, k, v, o};
    }

    /** Queries (B, T, H·hd), keys and values (B, T, KV·hd) each: three projections, or slices of the fused one. */
    private NDArray[] project(NDManager step, NDArray x, boolean training) {
        if (qkv == null) {
            return new NDArray[] {q.forward(step, x, training), k.forward(step, x, training),
                    v.forward(step, x, training)};
        }
        long qWidth = (long) heads * headDim;
        long kvWidth = (long) kvHeads * headDim;
        NDArray all = qkv.forward(step, x, training);                                       // (B, T, (H+2KV)·hd)
        return new NDArray[] {
                all.get(new NDIndex("..., :{}", qWidth)),                                   // (B, T, H·hd)
                all.get(new NDIndex("..., {}:{}", qWidth, qWidth + kvWidth)),               // (B, T, KV·hd)
                all.get(new NDIndex("..., {}:", qWidth + kvWidth))};                         // (B, T, KV·hd)
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
        return forward(step, x, rope, mask, cache, layer, offset, training, null);
    }

    /**
     * Attention with a trained prefix (prefix tuning): the P virtual keys and values come before the cached and new
     * ones, every query sees them, and they are never rotated (they are past keys, as PEFT passes them).
     *
     * @param mask   (T, P+S) or (B, 1, 1, T, P+S): the first P columns 0 (visible)
     * @param offset RoPE position of the first of the T tokens: P + the cache length, as transformers numbers tokens
     *               after a prefix cache
     * @param prefix this layer's prefix keys and values, each (1 or B, KV, P, hd), or null
     */
    public NDArray forward(NDManager step, NDArray x, RotaryEmbedding rope, NDArray mask, KvCache cache, int layer,
                           int offset, boolean training, NDArray[] prefix) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int groups = heads / kvHeads;

        NDArray[] projected = project(step, x, training);
        NDArray queries = projected[0].reshape(b, t, heads, headDim);                       // (B, T, H, hd)
        NDArray keysNow = projected[1].reshape(b, t, kvHeads, headDim);                     // (B, T, KV, hd)
        NDArray valuesNow = projected[2].reshape(b, t, kvHeads, headDim);                   // (B, T, KV, hd)
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
        if (prefix != null) {
            keys = withPrefix(step, prefix[0], keys, b);                                    // (B, KV, P+S, hd)
            values = withPrefix(step, prefix[1], values, b);                                // (B, KV, P+S, hd)
        }
        if (sdpa != null) {
            NDArray attnMask = cache == null && plainCausal && prefix == null ? causal : mask;   // () or (T, S)
            if (attnMask.getShape().dimension() == 5) {                                     // (B, 1, 1, T, S) padded
                attnMask = own(step, attnMask.reshape(b, 1, t, keys.getShape().get(2)));    // (B, 1, T, S)
            }
            NDArray context = sdpa.call(step, queries, keys, values, attnMask);             // (B, H, T, hd)
            NDArray merged = context.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);   // (B, T, H*hd)
            return o.forward(step, own(step, merged), training);                            // (B, T, C)
        }
        long s = keys.getShape().get(2);

        // 1/√hd applied to the queries (B·H·T·hd values) rather than to the scores (B·H·T·S values)
        NDArray grouped = queries.mul(scale).reshape(b, kvHeads, groups * t, headDim);      // (B, KV, G*T, hd)
        NDArray scores = grouped.matMul(own(step, keys.transpose(0, 1, 3, 2)));             // (B, KV, G*T, S)
        if (softcap != null) {
            scores = scores.div(softcap).tanh().mul(softcap);                               // (B, KV, G*T, S)
        }
        scores = scores.reshape(b, kvHeads, groups, t, s).add(mask);                        // (B, KV, G, T, S)
        NDArray weights = scores.softmax(4).reshape(b, kvHeads, groups * t, s);             // (B, KV, G*T, S)
        NDArray context = weights.matMul(values);                                           // (B, KV, G*T, hd)
        NDArray merged = context.reshape(b, heads, t, headDim)                              // (B, H, T, hd)
                .transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);              // (B, T, H*hd)
        return o.forward(step, merged, training);                                           // (B, T, C)
    }

    /** The prefix (1 or B, KV, P, hd), repeated per row when shared, before {@code keys} (B, KV, S, hd). */
    private static NDArray withPrefix(NDManager step, NDArray prefix, NDArray keys, long b) {
        NDArray rows = prefix.getShape().get(0) == b ? prefix : own(step, prefix.repeat(0, b));  // (B, KV, P, hd)
        return own(step, rows.concat(keys, 2));                                             // (B, KV, P+S, hd)
    }
}
