package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.List;

/**
 * One T5 block (transformers' {@code T5Block}): pre-norm residual sub-layers
 * <pre>
 *   x = x + SelfAttention(norm0(x), bias)               bias = relative position bias + mask, no 1/√d scaling
 *   x = x + EncDecAttention(norm1(x), source, mask)     decoder only
 *   x = x + DenseReluDense(normF(x))                    wo(act(wi x)) or wo(act(wi_0 x) · wi_1 x)
 * </pre>
 *
 * @param index         the block's index in its stack
 * @param selfNorm      the norm before self-attention ({@code layer.0.layer_norm})
 * @param self          self-attention ({@code layer.0.SelfAttention})
 * @param crossNorm     the norm before cross-attention ({@code layer.1.layer_norm}), null in the encoder
 * @param cross         cross-attention ({@code layer.1.EncDecAttention}), null in the encoder
 * @param feedForwardNorm the norm before the feed-forward
 * @param feedForward   the feed-forward ({@code DenseReluDense})
 */
record T5Block(int index, RmsNorm selfNorm, T5Block.Attention self, RmsNorm crossNorm, T5Block.Attention cross,
               RmsNorm feedForwardNorm, T5Block.FeedForward feedForward) {

    /**
     * @param x      (B, T, C) in {@code step}
     * @param bias   (1 or B, H, T, S) additive self-attention scores bias (positions and mask)
     * @param source (B, S', C) the encoder output, or null in the encoder or when the cache holds its keys/values
     * @param sourceMask (B, 1, 1, S') additive mask of the source (decoder only)
     * @param cache  the decoder's cache (self-attention in slot index, cross-attention in slot crossSlot), or null
     * @return (B, T, C) in {@code step}
     */
    NDArray forward(NDManager step, NDArray x, NDArray bias, NDArray source, NDArray sourceMask, KvCache cache,
                    int crossSlot, boolean training) {
        NDArray h = self.self(step, selfNorm.forward(step, x), bias, cache, index, training);           // (B, T, C)
        x = own(step, x.add(h));
        if (cross != null) {
            h = cross.cross(step, crossNorm.forward(step, x), source, sourceMask, cache, crossSlot, training);
            x = own(step, x.add(h));                                                                  // (B, T, C)
        }
        h = feedForward.forward(step, feedForwardNorm.forward(step, x), training);                    // (B, T, C)
        return own(step, x.add(h));
    }

    /** The block's linears in transformers' module order (self-attention, cross-attention, feed-forward). */
    List<Linear> linears() {
        List<Linear> all = new ArrayList<>(self.linears());
        if (cross != null) {
            all.addAll(cross.linears());
        }
        all.addAll(feedForward.linears());
        return all;
    }

    /** The block's norms in transformers' sub-layer order. */
    List<RmsNorm> norms() {
        List<RmsNorm> all = new ArrayList<>();
        all.add(selfNorm);
        if (crossNorm != null) {
            all.add(crossNorm);
        }
        all.add(feedForwardNorm);
        return all;
    }

    /**
     * T5's multi-head attention ({@code T5Attention}): q, k, v (C → H·d) and o (H·d → C), no biases, scores
     * {@code q·kᵀ + bias} without the 1/√d scaling (T5 folds it into the initialisation).
     *
     * @param heads H
     * @param headDim d ({@code d_kv})
     */
    record Attention(Linear q, Linear k, Linear v, Linear o, int heads, int headDim) {

        List<Linear> linears() {
            return List.of(q, k, v, o);
        }

        /**
         * Self-attention; with a cache the keys/values of {@code x} are appended to slot {@code slot} first.
         *
         * @param x    (B, T, C)
         * @param bias (1 or B, H, T, S) with S = cached + T
         */
        NDArray self(NDManager step, NDArray x, NDArray bias, KvCache cache, int slot, boolean training) {
            NDArray query = split(step, q.forward(step, x, training));                                // (B, H, T, d)
            NDArray key = split(step, k.forward(step, x, training));                                  // (B, H, T, d)
            NDArray value = split(step, v.forward(step, x, training));                                // (B, H, T, d)
            if (cache != null) {
                NDArray[] full = cache.append(slot, key, value);                                      // (B, H, S, d)
                key = full[0];
                value = full[1];
            }
            return attend(step, query, key, value, bias, training);
        }

        /**
         * Cross-attention over the encoder output; with a cache its keys/values are computed once (on the first
         * call, from {@code source}) and read from slot {@code slot} afterwards.
         *
         * @param x      (B, T, C)
         * @param source (B, S, C) or null when the cache holds its keys/values
         * @param mask   (B, 1, 1, S) additive source mask
         */
        NDArray cross(NDManager step, NDArray x, NDArray source, NDArray mask, KvCache cache, int slot,
                      boolean training) {
            NDArray query = split(step, q.forward(step, x, training));                                // (B, H, T, d)
            NDArray[] stored = cache == null ? null : cache.stored(slot);
            NDArray key;
            NDArray value;
            if (stored != null) {
                key = stored[0];
                value = stored[1];
            } else {
                key = split(step, k.forward(step, source, training));                                 // (B, H, S, d)
                value = split(step, v.forward(step, source, training));                               // (B, H, S, d)
                if (cache != null) {
                    cache.append(slot, key, value);
                }
            }
            return attend(step, query, key, value, mask, training);
        }

        /** softmax(q·kᵀ + bias)·v through o: (B, H, T, d) → (B, T, C). */
        private NDArray attend(NDManager step, NDArray query, NDArray key, NDArray value, NDArray bias,
                               boolean training) {
            NDArray scores = own(step, query.matMul(key.transpose(0, 1, 3, 2)).add(bias));            // (B, H, T, S)
            NDArray weights = own(step, scores.softmax(-1));                                          // (B, H, T, S)
            NDArray mixed = own(step, weights.matMul(value));                                         // (B, H, T, d)
            long b = mixed.getShape().get(0);
            long t = mixed.getShape().get(2);
            NDArray merged = own(step, mixed.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim)); // (B, T, H·d)
            return o.forward(step, merged, training);                                                 // (B, T, C)
        }

        /** (B, T, H·d) → (B, H, T, d) */
        private NDArray split(NDManager step, NDArray y) {
            long b = y.getShape().get(0);
            long t = y.getShape().get(1);
            return own(step, y.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3));
        }
    }

    /**
     * T5's feed-forward ({@code T5DenseActDense} / {@code T5DenseGatedActDense}).
     *
     * @param wi   {@code wi} (C → F), or {@code wi_0} (the activated branch) when gated
     * @param gate {@code wi_1} (C → F, the linear branch) when gated, else null
     * @param wo   {@code wo} (F → C)
     * @param gelu the gelu_new constants, or null for relu
     */
    record FeedForward(Linear wi, Linear gate, Linear wo, GeluTanh gelu) {

        List<Linear> linears() {
            return gate == null ? List.of(wi, wo) : List.of(wi, gate, wo);
        }

        /** @param x (B, T, C) → (B, T, C) */
        NDArray forward(NDManager step, NDArray x, boolean training) {
            NDArray inner = wi.forward(step, x, training);                                            // (B, T, F)
            inner = own(step, gelu != null ? gelu.apply(inner) : Activation.relu(inner));             // (B, T, F)
            if (gate != null) {
                inner = own(step, inner.mul(gate.forward(step, x, training)));                        // (B, T, F)
            }
            return wo.forward(step, inner, training);                                                 // (B, T, C)
        }
    }
}
