package io.tuneforge.shared.dataset.parquet;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Decodes the pages of one column chunk: an optional dictionary page, then data pages (v1: levels and values
 * compressed together, each level section prefixed by its byte length; v2: levels uncompressed with their lengths in
 * the header, values compressed on their own). Values are PLAIN or dictionary indices (PLAIN_DICTIONARY,
 * RLE_DICTIONARY); booleans may also be RLE. Other encodings are refused naming the column.
 */
final class ColumnChunkReader {

    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE = 3;
    private static final int RLE_DICTIONARY = 8;
    private static final String[] ENCODING_NAMES = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
        "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Leaf leaf;
    private final Codec codec;
    private JsonNode[] dictionary;

    ColumnChunkReader(Leaf leaf, Codec codec) {
        this.leaf = leaf;
        this.codec = codec;
    }

    /** Decodes the chunk's {@code numValues} slots from its bytes. */
    ColumnData read(byte[] chunk, long numValues) {
        if (numValues < 0 || numValues > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("the chunk holds " + numValues + " values, more than one array can");
        }
        int slots = (int) numValues;
        int[] repetition = leaf.maxRepetition() > 0 ? new int[slots] : null;
        int[] definition = leaf.maxDefinition() > 0 ? new int[slots] : null;
        JsonNode[] values = new JsonNode[slots];
        int filled = 0;
        int present = 0;
        int p = 0;
        while (filled < slots) {
            if (p >= chunk.length) {
                throw new IllegalStateException("the pages end after " + filled + " of " + slots + " values");
            }
            ThriftCompactReader headerReader = new ThriftCompactReader(chunk, p, chunk.length);
            PageHeader header = PageHeader.read(headerReader);
            p = headerReader.position();
            if (header.compressedSize() < 0 || header.compressedSize() > chunk.length - p) {
                throw new IllegalStateException("a page of " + header.compressedSize() + " bytes runs past the chunk");
            }
            switch (header.type()) {
                case PageHeader.DICTIONARY_PAGE -> readDictionary(header, chunk, p);
                case PageHeader.DATA_PAGE, PageHeader.DATA_PAGE_V2 -> {
                    Page page = header.type() == PageHeader.DATA_PAGE ? pageV1(header, chunk, p)
                            : pageV2(header, chunk, p);
                    int count = header.numValues();
                    if (count < 0 || count > slots - filled) {
                        throw new IllegalStateException("a page holds more values than the chunk");
                    }
                    int[] rep = levels(page.bytes, page.repetitionStart, page.repetitionEnd, leaf.maxRepetition(), count);
                    int[] def = levels(page.bytes, page.definitionStart, page.definitionEnd, leaf.maxDefinition(),
                            count);
                    int nonNull = count;
                    if (def != null) {
                        nonNull = 0;
                        for (int d : def) {
                            nonNull += d == leaf.maxDefinition() ? 1 : 0;
                        }
                        System.arraycopy(def, 0, definition, filled, count);
                    }
                    if (rep != null) {
                        System.arraycopy(rep, 0, repetition, filled, count);
                    }
                    readValues(header.encoding(), page.bytes, page.valuesStart, page.bytes.length, nonNull, values,
                            present);
                    present += nonNull;
                    filled += count;
                }
                default -> { }                               // index pages carry nothing to read
            }
            p += header.compressedSize();
        }
        return new ColumnData(repetition, definition, java.util.Arrays.copyOf(values, present), slots);
    }

    /**
     * A data page's bytes, decompressed, with where its sections lie.
     */
    private record Page(byte[] bytes, int repetitionStart, int repetitionEnd, int definitionStart, int definitionEnd,
            int valuesStart) {
    }

    /** v1: everything compressed; each level section (when the column has levels) is a 4-byte length and runs. */
    private Page pageV1(PageHeader header, byte[] chunk, int p) {
        byte[] bytes = codec.decompress(chunk, p, header.compressedSize(), header.uncompressedSize());
        int q = 0;
        int[] sections = new int[4];
        for (int section = 0; section < 2; section++) {
            int maxLevel = section == 0 ? leaf.maxRepetition() : leaf.maxDefinition();
            int encoding = section == 0 ? header.repetitionEncoding() : header.definitionEncoding();
            if (maxLevel == 0) {
                sections[2 * section] = q;
                sections[2 * section + 1] = q;
                continue;
            }
            if (encoding != RLE) {
                throw unsupported("levels", encoding);
            }
            if (q + 4 > bytes.length) {
                throw new IllegalStateException("the levels' length runs past the page");
            }
            int length = littleEndianInt(bytes, q);
            if (length < 0 || length > bytes.length - q - 4) {
                throw new IllegalStateException("levels of " + length + " bytes run past the page");
            }
            sections[2 * section] = q + 4;
            sections[2 * section + 1] = q + 4 + length;
            q += 4 + length;
        }
        return new Page(bytes, sections[0], sections[1], sections[2], sections[3], q);
    }

    /** v2: repetition then definition levels uncompressed (lengths in the header), then the values. */
    private Page pageV2(PageHeader header, byte[] chunk, int p) {
        int levels = header.repetitionByteLength() + header.definitionByteLength();
        if (header.repetitionByteLength() < 0 || header.definitionByteLength() < 0
                || levels > header.compressedSize()) {
            throw new IllegalStateException("the levels' lengths run past the page");
        }
        int valuesLength = header.compressedSize() - levels;
        byte[] values = header.compressed()
                ? codec.decompress(chunk, p + levels, valuesLength, header.uncompressedSize() - levels)
                : java.util.Arrays.copyOfRange(chunk, p + levels, p + header.compressedSize());
        byte[] bytes = new byte[levels + values.length];
        System.arraycopy(chunk, p, bytes, 0, levels);
        System.arraycopy(values, 0, bytes, levels, values.length);
        int repetitionEnd = header.repetitionByteLength();
        return new Page(bytes, 0, repetitionEnd, repetitionEnd, levels, levels);
    }

    private static int[] levels(byte[] bytes, int start, int end, int maxLevel, int count) {
        if (maxLevel == 0) {
            return null;
        }
        return HybridDecoder.decode(bytes, start, end, bitWidth(maxLevel), count);
    }

    private void readDictionary(PageHeader header, byte[] chunk, int p) {
        if (header.encoding() != PLAIN && header.encoding() != PLAIN_DICTIONARY) {
            throw unsupported("dictionary", header.encoding());
        }
        byte[] bytes = codec.decompress(chunk, p, header.compressedSize(), header.uncompressedSize());
        if (header.numValues() < 0 || header.numValues() > bytes.length * 8L + 8) {
            throw new IllegalStateException("a dictionary of " + header.numValues() + " entries cannot fit its "
                    + bytes.length + " bytes");
        }
        dictionary = new JsonNode[header.numValues()];
        readPlain(bytes, 0, bytes.length, dictionary.length, dictionary, 0);
    }

    private void readValues(int encoding, byte[] bytes, int start, int end, int count, JsonNode[] out, int offset) {
        switch (encoding) {
            case PLAIN -> readPlain(bytes, start, end, count, out, offset);
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
                if (dictionary == null) {
                    throw new IllegalStateException("dictionary indices come before any dictionary page");
                }
                if (count == 0) {
                    return;
                }
                if (start >= end) {
                    throw new IllegalStateException("the dictionary indices are missing");
                }
                int[] indices = HybridDecoder.decode(bytes, start + 1, end, bytes[start] & 0xFF, count);
                for (int i = 0; i < count; i++) {
                    if (indices[i] < 0 || indices[i] >= dictionary.length) {
                        throw new IllegalStateException("dictionary index " + indices[i] + " is outside the "
                                + dictionary.length + " entries");
                    }
                    out[offset + i] = dictionary[indices[i]];
                }
            }
            case RLE -> {
                if (leaf.type() != Leaf.BOOLEAN) {
                    throw unsupported("values", encoding);
                }
                int length = littleEndianInt(bytes, start);
                int[] bits = HybridDecoder.decode(bytes, start + 4, Math.min(end, start + 4 + length), 1, count);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.booleanNode(bits[i] == 1);
                }
            }
            default -> throw unsupported("values", encoding);
        }
    }

    private void readPlain(byte[] b, int p, int end, int count, JsonNode[] out, int offset) {
        switch (leaf.type()) {
            case Leaf.BOOLEAN -> {
                require(p + (count + 7) / 8 <= end);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.booleanNode(((b[p + (i >>> 3)] >>> (i & 7)) & 1) == 1);
                }
            }
            case Leaf.INT32 -> {
                require(p + 4L * count <= end);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.numberNode(littleEndianInt(b, p + 4 * i));
                }
            }
            case Leaf.INT64 -> {
                require(p + 8L * count <= end);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.numberNode(littleEndianLong(b, p + 8 * i));
                }
            }
            case Leaf.FLOAT -> {
                require(p + 4L * count <= end);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.numberNode(Float.intBitsToFloat(littleEndianInt(b, p + 4 * i)));
                }
            }
            case Leaf.DOUBLE -> {
                require(p + 8L * count <= end);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.numberNode(Double.longBitsToDouble(littleEndianLong(b, p + 8 * i)));
                }
            }
            case Leaf.BYTE_ARRAY -> {
                int q = p;
                for (int i = 0; i < count; i++) {
                    require(q + 4 <= end);
                    int length = littleEndianInt(b, q);
                    require(length >= 0 && length <= end - q - 4);
                    out[offset + i] = bytesNode(b, q + 4, length);
                    q += 4 + length;
                }
            }
            case Leaf.FIXED_LEN_BYTE_ARRAY -> {
                int length = leaf.typeLength();
                require(length >= 0 && p + (long) length * count <= end);
                for (int i = 0; i < count; i++) {
                    out[offset + i] = NODES.textNode(Base64.getEncoder().encodeToString(
                            java.util.Arrays.copyOfRange(b, p + length * i, p + length * (i + 1))));
                }
            }
            default -> throw new ParquetException("column '" + leaf.name() + "' has the physical type INT96 "
                    + "(legacy timestamps), which is not read; drop or cast the column before uploading");
        }
    }

    /** Text for a string column or valid UTF-8 bytes, else the bytes in Base64. */
    private JsonNode bytesNode(byte[] b, int start, int length) {
        if (leaf.text()) {
            return NODES.textNode(new String(b, start, length, StandardCharsets.UTF_8));
        }
        try {
            return NODES.textNode(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, start, length))
                    .toString());
        } catch (CharacterCodingException e) {
            return NODES.textNode(Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(b, start,
                    start + length)));
        }
    }

    private ParquetException unsupported(String what, int encoding) {
        String name = encoding >= 0 && encoding < ENCODING_NAMES.length ? ENCODING_NAMES[encoding]
                : "number " + encoding;
        return new ParquetException("column '" + leaf.name() + "' stores its " + what + " with the " + name
                + " encoding, which is not read (PLAIN, dictionary and RLE are); rewrite the file with pyarrow's "
                + "defaults: pq.write_table(pq.read_table('in.parquet'), 'out.parquet')");
    }

    /** Bits needed to store levels from 0 to {@code max}. */
    static int bitWidth(int max) {
        return 32 - Integer.numberOfLeadingZeros(max);
    }

    private static void require(boolean condition) {
        if (!condition) {
            throw new IllegalStateException("the values run past the end of the page");
        }
    }

    static int littleEndianInt(byte[] b, int p) {
        if (p < 0 || p + 4 > b.length) {
            throw new IllegalStateException("a length runs past the end of the page");
        }
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }

    private static long littleEndianLong(byte[] b, int p) {
        return (littleEndianInt(b, p) & 0xFFFFFFFFL) | (long) littleEndianInt(b, p + 4) << 32;
    }
}
