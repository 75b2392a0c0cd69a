package io.tuneforge.shared.dataset.parquet;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of Parquet's footer ({@code FileMetaData} in parquet.thrift) this reader uses, with the Thrift field ids
 * they are decoded from.
 *
 * @param schema    the schema, flattened depth first (field 2); the first element is the root
 * @param numRows   number of rows in the file (field 3)
 * @param rowGroups the row groups (field 4)
 */
record FileMetadata(List<SchemaElement> schema, long numRows, List<RowGroup> rowGroups) {

    /**
     * One node of the schema ({@code SchemaElement}).
     *
     * @param type          physical type of a leaf (field 1; {@code -1} for a group)
     * @param typeLength    byte length of FIXED_LEN_BYTE_ARRAY values (field 2)
     * @param repetition    0 required, 1 optional, 2 repeated (field 3)
     * @param name          field name (field 4)
     * @param numChildren   number of children of a group (field 5; 0 for a leaf)
     * @param convertedType legacy annotation (field 6; {@code -1} when absent): 0 UTF8, 1 MAP, 3 LIST, 4 ENUM, 19 JSON
     * @param logicalType   logical annotation's union member id (field 10; {@code -1} when absent): 1 STRING,
     *                      2 MAP, 3 LIST, 4 ENUM, 12 JSON
     */
    record SchemaElement(int type, int typeLength, int repetition, String name, int numChildren, int convertedType,
            int logicalType) {
    }

    /**
     * A horizontal slice of the table ({@code RowGroup}).
     *
     * @param columns one chunk per leaf column, in schema order (field 1)
     * @param numRows rows in the group (field 3)
     */
    record RowGroup(List<ColumnChunk> columns, long numRows) {
    }

    /**
     * One leaf column's data in a row group ({@code ColumnChunk.meta_data}, a {@code ColumnMetaData}).
     *
     * @param type                 physical type (field 1)
     * @param path                 the column's path in the schema (field 3)
     * @param codec                compression (field 4): 0 none, 1 Snappy, 2 gzip, 3 LZO, 4 Brotli, 5 LZ4, 6 zstd,
     *                             7 LZ4 raw
     * @param numValues            values including nulls and repetitions (field 5)
     * @param totalCompressedSize  bytes of all pages with their headers (field 7)
     * @param dataPageOffset       file offset of the first data page (field 9)
     * @param dictionaryPageOffset file offset of the dictionary page (field 11; {@code -1} when absent)
     */
    record ColumnChunk(int type, List<String> path, int codec, long numValues, long totalCompressedSize,
            long dataPageOffset, long dictionaryPageOffset) {

        /** Where the chunk's first page starts. */
        long start() {
            return dictionaryPageOffset > 0 && dictionaryPageOffset < dataPageOffset ? dictionaryPageOffset
                    : dataPageOffset;
        }
    }

    /** Decodes the footer's Thrift bytes. */
    static FileMetadata read(ThriftCompactReader in) {
        List<SchemaElement> schema = new ArrayList<>();
        List<RowGroup> rowGroups = new ArrayList<>();
        long[] numRows = {0};
        in.readStruct((id, type) -> {
            switch (id) {
                case 2 -> readList(in, () -> schema.add(readSchemaElement(in)));
                case 3 -> numRows[0] = in.readI64();
                case 4 -> readList(in, () -> rowGroups.add(readRowGroup(in)));
                default -> in.skip(type);
            }
        });
        return new FileMetadata(List.copyOf(schema), numRows[0], List.copyOf(rowGroups));
    }

    private static SchemaElement readSchemaElement(ThriftCompactReader in) {
        int[] f = {-1, 0, 0, 0, -1, -1};   // type, typeLength, repetition, numChildren, convertedType, logicalType
        String[] name = {""};
        in.readStruct((id, type) -> {
            switch (id) {
                case 1 -> f[0] = in.readI32();
                case 2 -> f[1] = in.readI32();
                case 3 -> f[2] = in.readI32();
                case 4 -> name[0] = in.readString();
                case 5 -> f[3] = in.readI32();
                case 6 -> f[4] = in.readI32();
                case 10 -> f[5] = readUnionMember(in);
                default -> in.skip(type);
            }
        });
        return new SchemaElement(f[0], f[1], f[2], name[0], f[3], f[4], f[5]);
    }

    /** The id of the member a Thrift union holds (its value is skipped). */
    private static int readUnionMember(ThriftCompactReader in) {
        int[] member = {-1};
        in.readStruct((id, type) -> {
            member[0] = id;
            in.skip(type);
        });
        return member[0];
    }

    private static RowGroup readRowGroup(ThriftCompactReader in) {
        List<ColumnChunk> columns = new ArrayList<>();
        long[] numRows = {0};
        in.readStruct((id, type) -> {
            switch (id) {
                case 1 -> readList(in, () -> columns.add(readColumnChunk(in)));
                case 3 -> numRows[0] = in.readI64();
                default -> in.skip(type);
            }
        });
        return new RowGroup(List.copyOf(columns), numRows[0]);
    }

    private static ColumnChunk readColumnChunk(ThriftCompactReader in) {
        ColumnChunk[] chunk = {null};
        boolean[] external = {false};
        in.readStruct((id, type) -> {
            switch (id) {
                case 1 -> external[0] = in.readBinary().length > 0;
                case 3 -> chunk[0] = readColumnMetaData(in);
                default -> in.skip(type);
            }
        });
        if (external[0]) {
            throw new ParquetException("a column chunk lives in another file (file_path is set); only single-file "
                    + "Parquet is read");
        }
        if (chunk[0] == null) {
            throw new IllegalStateException("a column chunk has no metadata");
        }
        return chunk[0];
    }

    private static ColumnChunk readColumnMetaData(ThriftCompactReader in) {
        int[] ints = {-1, -1};                     // type, codec
        long[] longs = {0, 0, 0, -1};              // numValues, totalCompressedSize, dataPageOffset, dictionaryPageOffset
        List<String> path = new ArrayList<>();
        in.readStruct((id, type) -> {
            switch (id) {
                case 1 -> ints[0] = in.readI32();
                case 3 -> readList(in, () -> path.add(in.readString()));
                case 4 -> ints[1] = in.readI32();
                case 5 -> longs[0] = in.readI64();
                case 7 -> longs[1] = in.readI64();
                case 9 -> longs[2] = in.readI64();
                case 11 -> longs[3] = in.readI64();
                default -> in.skip(type);
            }
        });
        return new ColumnChunk(ints[0], List.copyOf(path), ints[1], longs[0], longs[1], longs[2], longs[3]);
    }

    private static void readList(ThriftCompactReader in, Runnable element) {
        int size = in.readListHeader().size();
        for (int i = 0; i < size; i++) {
            element.run();
        }
    }
}
