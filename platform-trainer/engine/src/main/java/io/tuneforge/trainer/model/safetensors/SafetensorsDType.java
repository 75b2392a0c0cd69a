package io.tuneforge.trainer.model.safetensors;

import java.util.Locale;

/** The element types of a safetensors file that TuneForge reads or writes, with their on-disk names and sizes. */
public enum SafetensorsDType {
    /** IEEE 754 single precision. */
    F32(4),
    /** IEEE 754 half precision. */
    F16(2),
    /** bfloat16: the upper 16 bits of an F32; converted to F32 in Java (DJL's JNI crashes on BF16). */
    BF16(2),
    /** IEEE 754 double precision. */
    F64(8),
    /** Signed 64-bit integer. */
    I64(8),
    /** Signed 32-bit integer. */
    I32(4),
    /** Signed 8-bit integer. */
    I8(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Boolean, one byte. */
    BOOL(1);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the floating-point types a weight may be stored in. */
    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** Parses a header {@code dtype} value; an unknown one fails with a message naming the tensor. */
    public static SafetensorsDType parse(String name, String tensor, Object file) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file + ": tensor '" + tensor + "' has dtype '" + name
                    + "', which TuneForge does not read (supported: F32, F16, BF16, F64, I64, I32, I8, U8, BOOL)");
        }
    }

    /** The dtype for a {@code torch_dtype} string of config.json ({@code float32}, {@code bfloat16}, {@code float16}). */
    public static SafetensorsDType fromTorchDtype(String torchDtype) {
        return switch (torchDtype == null ? "float32" : torchDtype.toLowerCase(Locale.ROOT)) {
            case "bfloat16", "bf16" -> BF16;
            case "float16", "half", "fp16", "f16" -> F16;
            default -> F32;
        };
    }

    /** The {@code torch_dtype} string for config.json. */
    public String torchDtype() {
        return switch (this) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> "float32";
        };
    }
}
