package io.tuneforge.trainer.model;

import java.util.List;
import java.util.OptionalDouble;

/**
 * What a Gemma 2 / Gemma 3 (text) decoder does beyond the Llama layout, from {@code config.json}.
 *
 * @param queryPreAttnScalar     scores are scaled by {@code query_pre_attn_scalar^-0.5} instead of head_dim^-0.5
 * @param attnLogitSoftcapping   {@code attn_logit_softcapping}: scores become cap·tanh(scores/cap) (Gemma 2)
 * @param finalLogitSoftcapping  {@code final_logit_softcapping}: logits become cap·tanh(logits/cap) (Gemma 2)
 * @param slidingLayers          per layer, true where {@code layer_types} says {@code sliding_attention}
 * @param slidingWindow          {@code sliding_window}: how far back a sliding layer looks
 * @param localRopeTheta         Gemma 3: the RoPE base of sliding layers ({@code rope_parameters.sliding_attention}
 *                               or {@code rope_local_base_freq}), without scaling; empty for Gemma 2
 */
public record GemmaSpec(double queryPreAttnScalar, OptionalDouble attnLogitSoftcapping,
                        OptionalDouble finalLogitSoftcapping, List<Boolean> slidingLayers, int slidingWindow,
                        OptionalDouble localRopeTheta) {

    public GemmaSpec {
        slidingLayers = List.copyOf(slidingLayers);
    }

    /** Whether layer {@code i} attends through the sliding window. */
    public boolean sliding(int layer) {
        return slidingLayers.get(layer);
    }
}
