package io.tuneforge.trainer.model;

import java.util.Locale;

/**
 * The number format the model computes in. Trainable parameters, optimizer state, the loss, norms, the embedding and
 * the LM head stay float32 in every precision.
 */
public enum Precision {

    /** Everything in float32 (the default; results unchanged bit for bit from before precisions existed). */
    FP32,

    /**
     * Mixed precision as LLaMA-Factory's {@code bf16: true}: the decoder linears and attention compute in bfloat16
     * through TorchScript kernels ({@link Bf16WeightStore}, {@link ScriptedModule}); a frozen base (LoRA, inference)
     * is held in bfloat16 inside libtorch (half the float32 memory, a BF16 checkpoint's bits taken as they are);
     * weights that train (full, freeze) stay float32 and are cast per use, as {@code torch.autocast} does.
     */
    BF16;

    /** The name used in messages and the CLI ({@code bf16}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code fp32} or {@code bf16}, any case. */
    public static Precision parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            case "fp16", "float16" -> throw new ModelConfigException("precision fp16 is refused on the CPU: fp16 "
                    + "matrix products run at ~1 GFLOP/s there (no fp16 units); use bf16");
            default -> throw new ModelConfigException("precision '" + text + "': expected fp32 or bf16");
        };
    }
}
