package io.tuneforge.trainer.model;

import java.util.Locale;

/** How attention scores and the weighted sum are computed (LLaMA-Factory's {@code flash_attn}). */
public enum AttentionKernel {

    /** Query·keyᵀ, additive mask, softmax and ·values as separate libtorch ops (the float32 default). */
    MANUAL,

    /**
     * {@code torch.nn.functional.scaled_dot_product_attention} through a TorchScript archive (libtorch's fused CPU
     * kernel, forward and backward), in the model's precision.
     */
    SDPA;

    /**
     * LLaMA-Factory's {@code flash_attn} value for a precision: {@code auto} is SDPA in bf16 and manual in fp32 (so
     * float32 results stay bit for bit what they were), {@code sdpa} and {@code disabled} force one; {@code fa2}
     * (FlashAttention-2) needs a CUDA GPU and is refused.
     */
    public static AttentionKernel forFlashAttn(String flashAttn, Precision precision) {
        return switch (flashAttn.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> precision == Precision.BF16 ? SDPA : MANUAL;
            case "sdpa" -> SDPA;
            case "disabled" -> MANUAL;
            case "fa2", "fa3" -> throw new ModelConfigException("flash_attn " + flashAttn + " needs FlashAttention "
                    + "on a CUDA GPU; on the CPU use sdpa (or auto)");
            default -> throw new ModelConfigException("flash_attn '" + flashAttn + "': expected auto, sdpa or disabled");
        };
    }
}
