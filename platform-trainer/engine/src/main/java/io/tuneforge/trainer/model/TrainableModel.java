package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.function.UnaryOperator;

/**
 * What the {@code Trainer} (package training) needs from a causal language model: hidden states, the LM head, and the parameters that
 * train. The trainer computes the loss itself (chunked through the LM head), so the model never builds full logits.
 */
public interface TrainableModel {

    /**
     * Final-normed hidden states for a batch of token ids.
     *
     * @param step     per-step manager: every intermediate array must end up attached to it
     * @param inputIds (B, T) int64 token ids, right-padded
     * @param training true during training steps (dropout active), false for evaluation
     * @return (B, T, C) hidden states in {@code step}
     */
    NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training);

    /**
     * NEFTune (Jain et al., 2023, as Hugging Face's {@code neftune_noise_alpha}): while training, the input embeddings
     * get uniform noise in {@code ±alpha/√(T·C)} (T the padded sequence length, C the hidden size); evaluation and
     * generation are untouched. 0 turns it off.
     */
    default void neftuneNoiseAlpha(double alpha) {
        if (alpha != 0.0) {
            throw new UnsupportedOperationException("neftune_noise_alpha is not supported by " + getClass().getSimpleName());
        }
    }

    /**
     * Gradient checkpointing (Hugging Face's {@code gradient_checkpointing}): while training, each decoder block keeps
     * only its input in the forward pass and is recomputed in {@link #backward}. A model without decoder blocks of
     * its own trains without it.
     */
    default void gradientCheckpointing(boolean on) {
    }

    /**
     * The backward pass of a loss computed from this model's training-mode hidden states, inside {@code collector}:
     * the collector's backward, then, with gradient checkpointing, the recomputed blocks' backward.
     */
    default void backward(GradientCollector collector, NDArray loss) {
        collector.backward(loss);
    }

    /** The output projection (V, C); the token embedding when embeddings are tied. */
    NDArray lmHeadWeight();

    /**
     * The float type of the loss and its denominators: the LM head's (asked without widening a head the model holds
     * in bfloat16).
     */
    default ai.djl.ndarray.types.DataType lossType() {
        return lmHeadWeight().getDataType();
    }

    /** The family's transform of raw LM-head logits (Gemma 2's final soft-capping); the identity elsewhere. */
    default NDArray softcap(NDManager step, NDArray logits) {
        return logits;
    }

    /**
     * How the loss projects hidden rows to logits, (n, C) → (n, V) in {@code step}: by default
     * {@code rows·lm_headᵀ} in float32 ({@code matMul} with the transposed view).
     */
    default UnaryOperator<NDArray> vocabularyProjection(NDManager step) {
        NDArray weightT = lmHeadWeight().transpose();                                       // (C, V) view
        weightT.attach(step);
        return rows -> {
            NDArray logits = rows.matMul(weightT);                                          // (n, V)
            logits.attach(step);
            return logits;
        };
    }

    /**
     * A mixture of experts' load-balancing auxiliary loss () over the router logits of the last forward (transformers'
     * {@code load_balancing_loss_func}); empty for a dense model.
     *
     * @param tokenMask (B·T) 1 for real tokens, 0 for padding, or null when every token is real
     */
    default Optional<NDArray> routerAuxiliaryLoss(NDManager step, NDArray tokenMask) {
        return Optional.empty();
    }

    /**
     * The coefficient of the auxiliary loss in training, as LLaMA-Factory and transformers set it: the recipe's
     * {@code moe_aux_loss_coef} when given (> 0), else the checkpoint's {@code router_aux_loss_coef} when its
     * {@code output_router_logits} is set, else 0; always 0 for a dense model.
     */
    default double routerAuxLossCoefficient(double requested) {
        return 0;
    }

    /** A mixture of experts' share of routed tokens per expert and layer in the last forward; empty when dense. */
    default SequencedMap<String, Double> expertLoad() {
        return new java.util.LinkedHashMap<>();
    }

    /**
     * The parameters that train, by stable name in a fixed order, each with {@code setRequiresGradient(true)}.
     * The names key optimizer state and checkpoints, so they must not change between runs of the same setup.
     */
    SequencedMap<String, NDArray> trainableParameters();

    /** The decoder's configuration, where the model has one (Adam-mini reads its hidden size and heads). */
    default java.util.Optional<ModelConfig> modelConfig() {
        return java.util.Optional.empty();
    }

    /**
     * Writes the user-facing result of training (for LoRA a PEFT adapter: {@code adapter_config.json} +
     * {@code adapter_model.safetensors}) into an existing directory.
     */
    void saveTrained(Path directory) throws IOException;

    /**
     * Writes the result of a pure_bf16 run (DD040): as {@link #saveTrained}, except that a model trained whole is
     * written in BF16, the dtype LLaMA-Factory's bf16 model is saved in (its weights already are bf16 values, so
     * nothing is lost). Adapters are written as by {@link #saveTrained} (float32, as PEFT keeps them).
     */
    default void saveTrainedInBf16(Path directory) throws IOException {
        saveTrained(directory);
    }
}
