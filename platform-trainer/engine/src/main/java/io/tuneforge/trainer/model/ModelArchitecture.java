package io.tuneforge.trainer.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Hugging Face {@code architectures} TuneForge runs. All are Llama-family decoders (RMSNorm, RoPE, GQA,
 * SwiGLU); they differ only in the flags recorded in {@link ModelConfig} and, for Phi-3, in fused projections.
 */
public enum ModelArchitecture {
    /** Llama 2 / Llama 3.x (transformers {@code LlamaForCausalLM}); optional {@code attention_bias}, {@code mlp_bias}. */
    LLAMA("LlamaForCausalLM"),
    /** Mistral ({@code MistralForCausalLM}): Llama layout plus an optional sliding attention window. */
    MISTRAL("MistralForCausalLM"),
    /** Qwen2 / Qwen2.5 ({@code Qwen2ForCausalLM}): biases on q, k and v projections. */
    QWEN2("Qwen2ForCausalLM"),
    /** Qwen3 ({@code Qwen3ForCausalLM}): RMSNorm of each query and key head before RoPE, no q/k/v biases. */
    QWEN3("Qwen3ForCausalLM"),
    /**
     * Phi-3 / Phi-3.5 / Phi-4-mini ({@code Phi3ForCausalLM}): fused {@code qkv_proj} and {@code gate_up_proj}, optional
     * longrope ({@code su}) scaling and sliding window.
     */
    PHI3("Phi3ForCausalLM"),
    /**
     * Gemma 2 ({@code Gemma2ForCausalLM}): embeddings scaled by √C, (1 + w) RMSNorm, norms after attention and MLP,
     * GELU-tanh MLP, soft-capped scores and logits, sliding and full layers alternating.
     */
    GEMMA2("Gemma2ForCausalLM"),
    /** Gemma 3 text ({@code Gemma3ForCausalLM}): Gemma 2 plus q/k norms and a separate RoPE base for sliding layers. */
    GEMMA3("Gemma3ForCausalLM"),
    /**
     * Mixtral ({@code MixtralForCausalLM}): Mistral attention, a sparse MoE block in every layer
     * ({@code block_sparse_moe}: router {@code gate}, experts {@code w1}/{@code w3}/{@code w2}), top-k renormalised.
     */
    MIXTRAL("MixtralForCausalLM"),
    /**
     * Qwen2-MoE ({@code Qwen2MoeForCausalLM}): Qwen2 attention, sparse layers with routed experts plus a shared
     * expert scaled by {@code sigmoid(shared_expert_gate(x))}; top-k renormalised only with {@code norm_topk_prob}.
     */
    QWEN2_MOE("Qwen2MoeForCausalLM"),
    /** Qwen3-MoE ({@code Qwen3MoeForCausalLM}): Qwen3 attention (q/k norms), routed experts, no shared expert. */
    QWEN3_MOE("Qwen3MoeForCausalLM"),
    /**
     * T5 v1.0, v1.1 and Flan-T5 ({@code T5ForConditionalGeneration}): an encoder-decoder with relative position
     * buckets and RMS-style norms; read by {@link T5Config}, run by {@link T5Model}.
     */
    T5("T5ForConditionalGeneration");

    private final String hfName;

    ModelArchitecture(String hfName) {
        this.hfName = hfName;
    }

    /** The class name in {@code config.json}'s {@code architectures}. */
    public String hfName() {
        return hfName;
    }

    /** True where q, k and v are one {@code qkv_proj} and gate and up one {@code gate_up_proj} linear (Phi-3). */
    public boolean fusedProjections() {
        return this == PHI3;
    }

    /** True for the Gemma decoders (see {@link GemmaSpec}). */
    public boolean isGemma() {
        return this == GEMMA2 || this == GEMMA3;
    }

    /** True for the mixture-of-experts decoders (see {@link MoeSpec}). */
    public boolean isMoe() {
        return this == MIXTRAL || this == QWEN2_MOE || this == QWEN3_MOE;
    }

    /** True for the encoder-decoder T5 family ({@link T5Model}). */
    public boolean isEncoderDecoder() {
        return this == T5;
    }

    /** The architecture for a {@code config.json} class name; an unknown one fails listing the supported ones. */
    public static ModelArchitecture fromHfName(String name, Object source) {
        for (ModelArchitecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new ModelConfigException(source + ": architecture '" + name + "' is not supported; TuneForge runs "
                + Arrays.stream(values()).map(ModelArchitecture::hfName).collect(Collectors.joining(", ")));
    }
}
