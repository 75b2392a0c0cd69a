package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * A decoder-only language model as the trainer, generator and scorer use it. Every forward takes a per-step
 * {@link NDManager}: all results and intermediates are attached to it (close it after the step).
 */
public interface CausalLanguageModel extends TrainableModel, AutoCloseable {

    /** The model's shape and flags. */
    ModelConfig config();

    @Override
    default java.util.Optional<ModelConfig> modelConfig() {
        return java.util.Optional.of(config());
    }

    /**
     * Final-normed hidden states.
     *
     * @param step     per-step manager receiving every intermediate
     * @param inputIds (B, T) INT64 token ids (right-padded in training)
     * @param training true while training (LoRA dropout active)
     * @param cache    KV cache for incremental decoding, or null; with a cache the T tokens sit at positions
     *                 {@code cache.length() ..} and are appended to it
     * @return (B, T, C) in {@code step}
     */
    NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training, KvCache cache);

    /**
     * Final-normed hidden states of a left-padded batch (inference with a cache): row {@code b}'s first
     * {@code leftPadding[b]} cached positions are padding that no query attends to. Every token of a row is shifted
     * by the same number of positions, which RoPE's relative form leaves without effect on the attention scores, so
     * a row's outputs are those it has alone.
     *
     * @param inputIds    (B, T) INT64 token ids
     * @param cache       the batch's KV cache (the T tokens sit at positions {@code cache.length() ..})
     * @param leftPadding per row, the number of padding positions at the start of the cached sequence (length B)
     * @return (B, T, C) in {@code step}
     */
    NDArray hiddenStates(NDManager step, NDArray inputIds, KvCache cache, int[] leftPadding);

    @Override
    default NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training) {
        return hiddenStates(step, inputIds, training, null);
    }

    /** The output projection (V, C), FLOAT32; the token embedding when embeddings are tied. */
    @Override
    NDArray lmHeadWeight();

    /**
     * Logits for hidden states (inference; the trainer computes the LM head in chunks itself).
     *
     * @param hidden (..., C) in {@code step}
     * @return (..., V) in {@code step}
     */
    NDArray logits(NDManager step, NDArray hidden);

    /** A new, empty KV cache for this model (close it after the sequence). */
    KvCache newCache();

    /** The parameters that train, with their Hugging Face (full/freeze) or PEFT (LoRA) names, in a fixed order. */
    List<NamedParameter> parameters();

    /** The model's long-lived manager (weights live here). */
    NDManager manager();
}
