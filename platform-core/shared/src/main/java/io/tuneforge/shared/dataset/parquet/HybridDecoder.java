package io.tuneforge.shared.dataset.parquet;

/**
 * Parquet's RLE / bit-packed hybrid encoding, used for repetition and definition levels and dictionary indices: a
 * sequence of runs, each starting with a varint header; an even header {@code 2n} is a run of {@code n} copies of one
 * value stored in {@code ceil(bitWidth / 8)} little-endian bytes, an odd header {@code 2g + 1} is {@code g} groups of
 * eight values bit-packed least significant bit first.
 */
final class HybridDecoder {

    private HybridDecoder() {
    }

    /** Decodes {@code count} values of {@code bitWidth} bits from {@code in[offset, end)}. */
    static int[] decode(byte[] in, int offset, int end, int bitWidth, int count) {
        if (bitWidth < 0 || bitWidth > 32) {
            throw new IllegalStateException("a bit width of " + bitWidth + " is not valid");
        }
        int[] values = new int[count];
        if (bitWidth == 0) {
            return values;
        }
        int filled = 0;
        int p = offset;
        while (filled < count) {
            long header = 0;
            for (int shift = 0; ; shift += 7) {
                if (p >= end || shift > 28) {
                    throw new IllegalStateException("the levels or indices end after " + filled + " of " + count
                            + " values");
                }
                int b = in[p++] & 0xFF;
                header |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if ((header & 1) == 0) {
                int run = (int) Math.min(header >>> 1, count - filled);
                int width = (bitWidth + 7) / 8;
                if (p + width > end) {
                    throw new IllegalStateException("a run value runs past the end of the levels or indices");
                }
                int value = 0;
                for (int i = 0; i < width; i++) {
                    value |= (in[p++] & 0xFF) << (8 * i);
                }
                java.util.Arrays.fill(values, filled, filled + run, value);
                filled += run;
            } else {
                long groups = header >>> 1;
                long bits = groups * 8 * bitWidth;
                int bytes = (int) ((bits + 7) / 8);
                int available = Math.min(bytes, end - p);   // the last group may be cut at the page's end
                long bitPosition = (long) p * 8;
                long valuesInRun = groups * 8;
                for (long i = 0; i < valuesInRun && filled < count; i++) {
                    long start = bitPosition + i * bitWidth;
                    if (start + bitWidth > (long) (p + available) * 8) {
                        throw new IllegalStateException("bit-packed values run past the end");
                    }
                    values[filled++] = readBits(in, start, bitWidth);
                }
                p += bytes;
            }
        }
        return values;
    }

    private static int readBits(byte[] in, long bitStart, int width) {
        long value = 0;
        int byteIndex = (int) (bitStart >>> 3);
        int shift = (int) (bitStart & 7);
        int needed = shift + width;
        for (int i = 0, read = 0; read < needed; i++, read += 8) {
            value |= (long) (in[byteIndex + i] & 0xFF) << read;
        }
        return (int) ((value >>> shift) & ((1L << width) - 1));
    }
}
