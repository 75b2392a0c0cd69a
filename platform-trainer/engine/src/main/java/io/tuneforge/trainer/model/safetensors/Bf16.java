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

    /**
     * {@code value} rounded to the nearest bfloat16 and widened back: PyTorch's {@code x.to(torch.bfloat16).float()}
     * bit for bit (nearest even on ties, overflow to infinity, NaN to the quiet NaN 0x7FC0).
     */
    public static float round(float value) {
        return toFloat(fromFloat(value));
    }

    /** Rounds every element of {@code values} to bfloat16 precision in place, as {@link #round} does. */
    public static void roundInPlace(float[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = round(values[i]);
        }
    }

    /** Elements converted per bulk copy: large enough to amortise the buffer call, small enough to stay in cache. */
    private static final int CHUNK = 1 << 16;

    /**
     * Decodes {@code n} bfloat16 values from {@code src} into {@code out[offset ..]}: bulk copies of the bits into a
     * {@code short[]} and a shift loop the JIT vectorises (a {@code getShort} per element runs ~10× slower).
     */
    public static void decode(java.nio.ShortBuffer src, int n, float[] out, int offset) {
        decode(src, n, out, offset, new short[Math.min(CHUNK, Math.max(1, n))]);
    }

    /** {@link #decode(java.nio.ShortBuffer, int, float[], int)} through the caller's scratch array (any length ≥ 1). */
    public static void decode(java.nio.ShortBuffer src, int n, float[] out, int offset, short[] chunk) {
        for (int done = 0; done < n; done += chunk.length) {
            int m = Math.min(chunk.length, n - done);
            src.get(chunk, 0, m);
            int base = offset + done;
            for (int i = 0; i < m; i++) {
                out[base + i] = Float.intBitsToFloat((chunk[i] & 0xFFFF) << 16);
            }
        }
    }

    /**
     * Encodes {@code values[start .. start+n)} as bfloat16 bits into {@code dst}, as {@link #fromFloat} does element
     * by element, through a {@code short[]} and one bulk copy per chunk.
     */
    public static void encode(float[] values, int start, int n, java.nio.ShortBuffer dst) {
        encode(values, start, n, dst, new short[Math.min(CHUNK, Math.max(1, n))]);
    }

    /** {@link #encode(float[], int, int, java.nio.ShortBuffer)} through the caller's scratch array (any length ≥ 1). */
    public static void encode(float[] values, int start, int n, java.nio.ShortBuffer dst, short[] chunk) {
        for (int done = 0; done < n; done += chunk.length) {
            int m = Math.min(chunk.length, n - done);
            int base = start + done;
            for (int i = 0; i < m; i++) {
                chunk[i] = fromFloat(values[base + i]);
            }
            dst.put(chunk, 0, m);
        }
    }
}
