package io.tuneforge.trainer.export;

import java.nio.ByteBuffer;

/**
 * The ggml tensor types TuneForge writes into GGUF files, with their ids from ggml.h ({@code enum ggml_type}) and the
 * {@code general.file_type} ({@code enum llama_ftype}) a file mostly made of that type declares.
 */
public enum GgmlType {
    /** 32-bit IEEE float, 4 bytes per value. */
    F32(0, 0, 1, 4),
    /** 16-bit IEEE half, 2 bytes per value; rounded to nearest even like numpy's {@code astype(float16)}. */
    F16(1, 1, 1, 2),
    /** Blocks of 32 values: an F16 scale {@code d = max|x| / 127} then 32 int8 {@code round(x / d)}: 34 bytes. */
    Q8_0(8, 7, 32, 34);

    /** ggml_type id written in each tensor info. */
    public final int id;
    /** llama_ftype written as {@code general.file_type} when the file is mostly this type. */
    public final int fileType;
    /** Values per block (1 for plain floats). */
    public final int blockSize;
    /** Bytes per block. */
    public final int bytesPerBlock;

    GgmlType(int id, int fileType, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.fileType = fileType;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** Parses {@code f32|f16|q8_0} (case-insensitive). */
    public static GgmlType parse(String name) {
        for (GgmlType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown GGUF tensor type '" + name + "': use f32, f16 or q8_0");
    }

    /** Bytes taken by {@code count} values; {@code count} must be a multiple of the block size. */
    public long byteSize(long count) {
        if (count % blockSize != 0) {
            throw new IllegalArgumentException(count + " values are not a whole number of " + this + " blocks");
        }
        return count / blockSize * bytesPerBlock;
    }

    /** Encodes {@code values} (length a multiple of the block size) into little-endian {@code out}. */
    public void encode(float[] values, ByteBuffer out) {
        encode(values, 0, values.length, out);
    }

    /** Encodes {@code values[from, to)} ({@code to - from} a multiple of the block size) into little-endian {@code out}. */
    public void encode(float[] values, int from, int to, ByteBuffer out) {
        switch (this) {
            case F32 -> {
                for (int i = from; i < to; i++) {
                    out.putFloat(values[i]);
                }
            }
            case F16 -> {
                for (int i = from; i < to; i++) {
                    out.putShort(Float.floatToFloat16(values[i]));
                }
            }
            case Q8_0 -> {
                for (int start = from; start < to; start += 32) {
                    encodeQ8Block(values, start, out);
                }
            }
        }
    }

    /** llama.cpp's {@code quantize_row_q8_0_ref} / gguf-py's {@code Q8_0.quantize_blocks}, in float32 arithmetic. */
    private static void encodeQ8Block(float[] values, int start, ByteBuffer out) {
        float amax = 0f;
        for (int i = start; i < start + 32; i++) {
            amax = Math.max(amax, Math.abs(values[i]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int i = start; i < start + 32; i++) {
            out.put((byte) roundHalfAwayFromZero(values[i] * id));
        }
    }

    /**
     * C's {@code roundf}: halves go away from zero (Math.round would send -0.5 to 0). Written as gguf-py's
     * {@code np_roundf} ({@code floor(a) + floor(2 (a - floor(a)))}), which never rounds in the addition.
     */
    static int roundHalfAwayFromZero(float v) {
        float a = Math.abs(v);
        float floored = (float) Math.floor(a);
        float rounded = floored + (float) Math.floor(2f * (a - floored));
        return (int) Math.copySign(rounded, v);
    }
}
