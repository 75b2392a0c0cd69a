package io.tuneforge.trainer.model.safetensors;

/**
 * bfloat16 and float16 conversions done in Java, never by DJL (creating or casting to BFLOAT16 in DJL's PyTorch JNI
 * kills the JVM, see stack-facts).
 */
public final class Bf16 {

    private Bf16() {
    }

    /** bfloat16 bits to float: bfloat16 is the upper half of an IEEE single, so shifting left by 16 is exact. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float to bfloat16 bits, rounding to nearest even like PyTorch; NaN stays a quiet NaN. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) 0x7FC0;
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
