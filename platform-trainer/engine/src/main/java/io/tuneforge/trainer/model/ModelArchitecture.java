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
    GEMMA3("Gemma3ForCausalLM");

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
