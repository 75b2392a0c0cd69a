package io.tuneforge.shared.dataset.parquet;

import java.nio.charset.StandardCharsets;

/**
 * Decodes Apache Thrift's compact protocol, the encoding of Parquet's footer and page headers: structs as a sequence of
 * fields (a header byte holding the field-id delta and the type, 0 ends the struct), integers as zigzag varints,
 * binary as a varint length and bytes, lists as a size-and-type header then elements. Unknown fields are skipped, so
 * files from newer writers read as long as the fields used here keep their ids.
 */
final class ThriftCompactReader {

    /** Compact-protocol field and element types. */
    static final int BOOLEAN_TRUE = 1;
    static final int BOOLEAN_FALSE = 2;
    static final int BYTE = 3;
    static final int I16 = 4;
    static final int I32 = 5;
    static final int I64 = 6;
    static final int DOUBLE = 7;
    static final int BINARY = 8;
    static final int LIST = 9;
    static final int SET = 10;
    static final int MAP = 11;
    static final int STRUCT = 12;

    /** Deepest nesting of structs and containers accepted (a damaged header must not overflow the stack). */
    private static final int MAX_DEPTH = 64;

    private final byte[] bytes;
    private int position;
    private final int limit;

    ThriftCompactReader(byte[] bytes, int offset, int limit) {
        this.bytes = bytes;
        this.position = offset;
        this.limit = limit;
    }

    /** Receives each field of a struct; must read the value (with the reader's methods) or call {@link #skip}. */
    @FunctionalInterface
    interface FieldHandler {
        void field(int id, int type);
    }

    /** Where the next unread byte is. */
    int position() {
        return position;
    }

    /** Reads a struct, handing each field to {@code handler}. */
    void readStruct(FieldHandler handler) {
        int lastId = 0;
        while (true) {
            int header = readByte() & 0xFF;
            int type = header & 0x0F;
            if (type == 0) {
                return;
            }
            int delta = header >>> 4;
            int id = delta != 0 ? lastId + delta : (short) zigzag(readVarint());
            lastId = id;
            if (type == BOOLEAN_TRUE || type == BOOLEAN_FALSE) {
                lastBoolean = type == BOOLEAN_TRUE;
            }
            handler.field(id, type);
        }
    }

    /** The value of a boolean field: in structs it lives in the field header, read with the header. */
    private boolean lastBoolean;

    boolean readBool(int type) {
        if (type == BOOLEAN_TRUE || type == BOOLEAN_FALSE) {
            return lastBoolean;
        }
        return readByte() == 1;
    }

    int readI32() {
        return (int) zigzag(readVarint());
    }

    long readI64() {
        return zigzag(readVarint());
    }

    byte[] readBinary() {
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw new IllegalStateException("a binary field of " + length + " bytes runs past the end");
        }
        byte[] value = new byte[(int) length];
        System.arraycopy(bytes, position, value, 0, value.length);
        position += value.length;
        return value;
    }

    String readString() {
        return new String(readBinary(), StandardCharsets.UTF_8);
    }

    /** Reads a list header: its element type and size. */
    ListHeader readListHeader() {
        int header = readByte() & 0xFF;
        long size = header >>> 4;
        if (size == 15) {
            size = readVarint();
        }
        if (size < 0 || size > limit - position) {
            throw new IllegalStateException("a list of " + size + " elements runs past the end");
        }
        return new ListHeader(header & 0x0F, (int) size);
    }

    /**
     * A list header.
     *
     * @param elementType compact type of the elements
     * @param size        number of elements
     */
    record ListHeader(int elementType, int size) {
    }

    /** Skips a value of the given compact type. */
    void skip(int type) {
        skip(type, 0);
    }

    private void skip(int type, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("structures nest deeper than " + MAX_DEPTH);
        }
        switch (type) {
            case BOOLEAN_TRUE, BOOLEAN_FALSE -> { }
            case BYTE -> readByte();
            case I16, I32, I64 -> readVarint();
            case DOUBLE -> advance(8);
            case BINARY -> readBinary();
            case LIST, SET -> {
                ListHeader list = readListHeader();
                for (int i = 0; i < list.size(); i++) {
                    skipElement(list.elementType(), depth + 1);
                }
            }
            case MAP -> {
                long size = readVarint();
                if (size > 0) {
                    int types = readByte() & 0xFF;
                    for (long i = 0; i < size; i++) {
                        skipElement(types >>> 4, depth + 1);
                        skipElement(types & 0x0F, depth + 1);
                    }
                }
            }
            case STRUCT -> skipStruct(depth + 1);
            default -> throw new IllegalStateException("unknown Thrift type " + type);
        }
    }

    /** Booleans inside containers take a whole byte. */
    private void skipElement(int type, int depth) {
        if (type == BOOLEAN_TRUE || type == BOOLEAN_FALSE) {
            readByte();
        } else {
            skip(type, depth);
        }
    }

    private void skipStruct(int depth) {
        while (true) {
            int header = readByte() & 0xFF;
            int type = header & 0x0F;
            if (type == 0) {
                return;
            }
            if (header >>> 4 == 0) {
                readVarint();                        // a long-form field id
            }
            skip(type, depth);
        }
    }

    private void advance(int count) {
        if (count > limit - position) {
            throw new IllegalStateException("a value runs past the end");
        }
        position += count;
    }

    private byte readByte() {
        if (position >= limit) {
            throw new IllegalStateException("the structure ends early");
        }
        return bytes[position++];
    }

    private long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte() & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalStateException("a varint is longer than 10 bytes");
    }

    private static long zigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }
}
