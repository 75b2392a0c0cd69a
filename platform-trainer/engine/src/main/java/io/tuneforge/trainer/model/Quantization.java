package io.tuneforge.trainer.model;

import java.util.Locale;

/**
 * On-the-fly quantization of the frozen base (QLoRA; LLaMA-Factory's {@code quantization_bit},
 * {@code quantization_type}, {@code double_quantization} with {@code quantization_method: bnb}), held and
 * dequantized per layer by {@link QuantizedWeightStore}.
 *
 * @param bits               0 (none), 4 (blockwise 64, NF4 or FP4 codes) or 8 (per-row absmax int8)
 * @param type               the 4-bit code book; ignored for 8 bits
 * @param doubleQuantization 4 bits: the block scales themselves stored as 8-bit codes (blocks of 256, offset = their
 *                           mean), as bitsandbytes' {@code bnb_4bit_use_double_quant}; ignored for 8 bits
 */
public record Quantization(int bits, Type type, boolean doubleQuantization) {

    /** The 4-bit code books of bitsandbytes. */
    public enum Type {
        /** NormalFloat4: 16 quantiles of a normal distribution (QLoRA's default). */
        NF4,
        /** A 4-bit float (e2m1) normalised to [-1, 1]. */
        FP4;

        /** {@code nf4} or {@code fp4}, any case. */
        public static Type parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "nf4" -> NF4;
                case "fp4" -> FP4;
                default -> throw new ModelConfigException("quantization type '" + text + "': expected nf4 or fp4");
            };
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** No quantization. */
    public static final Quantization NONE = new Quantization(0, Type.NF4, false);

    public Quantization {
        if (bits != 0 && bits != 4 && bits != 8) {
            throw new ModelConfigException("quantization bits " + bits + ": bitsandbytes quantization takes 4 or 8");
        }
    }

    /** 4-bit with {@code type}, double quantization as given. */
    public static Quantization fourBit(Type type, boolean doubleQuantization) {
        return new Quantization(4, type, doubleQuantization);
    }

    /** 8-bit per-row absmax. */
    public static Quantization eightBit() {
        return new Quantization(8, Type.NF4, false);
    }

    /** Whether the base is quantized at all. */
    public boolean enabled() {
        return bits != 0;
    }

    /** For messages and reports: {@code none}, {@code 8-bit}, {@code 4-bit nf4 (double quantization)}. */
    public String describe() {
        if (!enabled()) {
            return "none";
        }
        if (bits == 8) {
            return "8-bit";
        }
        return "4-bit " + type.key() + (doubleQuantization ? " (double quantization)" : "");
    }
}
