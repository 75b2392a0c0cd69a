package io.tuneforge.trainer.model;

import io.tuneforge.shared.recipe.Bf16Support;
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

    /**
     * The precision to answer in (evaluation, predictions, the playground) for a model trained in this one: bf16 where
     * this host computes it natively, else fp32 (answers are still given, at fp32's speed and memory, rather than
     * refused as a bf16 training job is).
     */
    public Precision forInferenceOnThisHost() {
        return this == BF16 && Bf16Support.refusalOnThisHost().isEmpty() ? BF16 : FP32;
    }

    /**
     * This precision, when this host computes it (asked for explicitly, as on the command line).
     *
     * @throws ModelConfigException for bf16 on a CPU without AVX512-BF16 or AMX, with the reason
     */
    public Precision requireOnThisHost() {
        if (this == BF16) {
            Bf16Support.refusalOnThisHost().ifPresent(reason -> {
                throw new ModelConfigException(reason);
            });
        }
        return this;
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
