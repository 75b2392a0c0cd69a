package io.tuneforge.shared.dataset.parquet;

/**
 * Decompresses a raw Snappy block (Parquet's SNAPPY codec; no framing): a varint holding the uncompressed length,
 * then elements tagged by their first byte's low two bits: 00 a literal (length in the tag, or in the 1 to 4 bytes
 * after it), 01 a copy with an 11-bit offset and a length of 4 to 11, 10 and 11 copies with a 2- or 4-byte offset and
 * a length of 1 to 64. A copy may overlap what it produces (offset smaller than length repeats a pattern).
 */
final class Snappy {

    private Snappy() {
    }

    static byte[] decompress(byte[] in, int offset, int length) {
        int end = offset + length;
        int[] pos = {offset};
        long expected = readVarint(in, pos, end);
        if (expected < 0 || expected > Codec.MAX_PAGE_BYTES) {
            throw new IllegalStateException("Snappy block claims " + expected + " bytes");
        }
        byte[] out = new byte[(int) expected];
        int written = 0;
        int p = pos[0];
        while (p < end) {
            int tag = in[p++] & 0xFF;
            switch (tag & 3) {
                case 0 -> {
                    int literal = tag >>> 2;
                    if (literal >= 60) {
                        int bytes = literal - 59;
                        require(p + bytes <= end);
                        literal = 0;
                        for (int i = 0; i < bytes; i++) {
                            literal |= (in[p++] & 0xFF) << (8 * i);
                        }
                    }
                    literal += 1;
                    require(literal > 0 && p + literal <= end && written + literal <= out.length);
                    System.arraycopy(in, p, out, written, literal);
                    p += literal;
                    written += literal;
                }
                case 1 -> {
                    require(p < end);
                    int copyLength = 4 + ((tag >>> 2) & 7);
                    int copyOffset = ((tag >>> 5) << 8) | (in[p++] & 0xFF);
                    written = copy(out, written, copyOffset, copyLength);
                }
                case 2 -> {
                    require(p + 2 <= end);
                    int copyOffset = (in[p] & 0xFF) | (in[p + 1] & 0xFF) << 8;
                    p += 2;
                    written = copy(out, written, copyOffset, (tag >>> 2) + 1);
                }
                default -> {
                    require(p + 4 <= end);
                    int copyOffset = (in[p] & 0xFF) | (in[p + 1] & 0xFF) << 8 | (in[p + 2] & 0xFF) << 16
                            | (in[p + 3] & 0xFF) << 24;
                    p += 4;
                    written = copy(out, written, copyOffset, (tag >>> 2) + 1);
                }
            }
        }
        require(written == out.length);
        return out;
    }

    /** Copies {@code length} bytes from {@code offset} bytes back, byte by byte so overlapping runs repeat. */
    private static int copy(byte[] out, int written, int offset, int length) {
        require(offset > 0 && offset <= written && written + length <= out.length);
        for (int i = 0; i < length; i++) {
            out[written + i] = out[written - offset + i];
        }
        return written + length;
    }

    private static long readVarint(byte[] in, int[] pos, int end) {
        long result = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            require(pos[0] < end);
            int b = in[pos[0]++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalStateException("the Snappy length is not a valid varint");
    }

    private static void require(boolean condition) {
        if (!condition) {
            throw new IllegalStateException("the Snappy data is damaged");
        }
    }
}
