package io.tuneforge.shared.dataset.parquet;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the rows of a Parquet file as JSON objects, one row group in memory at a time, without Apache Parquet or
 * Hadoop (DD026). A file is {@code PAR1}, column chunks, the footer ({@code FileMetaData} in Thrift's compact
 * protocol), the footer's 4-byte little-endian length and {@code PAR1} again. Supported: the physical types BOOLEAN,
 * INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY (text) and FIXED_LEN_BYTE_ARRAY (Base64); PLAIN and dictionary encodings;
 * data pages v1 and v2; UNCOMPRESSED, SNAPPY, GZIP and ZSTD; nullable columns, records of values, lists of values and
 * lists of records. Anything else is refused naming the file and the column.
 */
public final class ParquetReader implements AutoCloseable {

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    /** Largest footer read (a damaged length must not allocate gigabytes). */
    private static final int MAX_FOOTER_BYTES = 256 << 20;

    private final String fileName;
    private final FileChannel channel;
    private final long size;
    private final FileMetadata metadata;
    private final TableShape shape;
    private int nextRowGroup;
    private Iterator<ObjectNode> rows = java.util.Collections.emptyIterator();

    private ParquetReader(Path file, String fileName) throws IOException {
        this.fileName = fileName;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            this.size = channel.size();
            this.metadata = readFooter();
            this.shape = shapeOf(metadata);
            checkChunks();
        } catch (RuntimeException | IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Opens a file and reads its footer; {@code fileName} is the name errors give (an upload's original name).
     *
     * @throws ParquetException when it is not Parquet, is truncated or damaged, or uses what this reader refuses
     */
    public static ParquetReader open(Path file, String fileName) {
        try {
            return new ParquetReader(file, fileName);
        } catch (ParquetException e) {
            throw e.getMessage().startsWith(fileName) ? e : new ParquetException(fileName + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (e instanceof EOFException) {
                throw new ParquetException(fileName + ": the Parquet file is truncated (" + e.getMessage() + ")", e);
            }
            throw new UncheckedIOException("Cannot read " + fileName + ": " + e.getMessage(), e);
        }
    }

    /** Whether the file starts with Parquet's magic bytes {@code PAR1}. */
    public static boolean hasMagic(Path file) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(4);
            while (head.hasRemaining() && in.read(head) >= 0) {
                // read until four bytes or the end
            }
            return !head.hasRemaining() && Arrays.equals(head.array(), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** Rows in the file, as its footer counts them. */
    public long rowCount() {
        return metadata.numRows();
    }

    /** The top-level column names, in schema order. */
    public List<String> columnNames() {
        return shape.columns().stream().map(TableShape.Column::name).toList();
    }

    /** The next row, or empty at the end of the file. */
    public Optional<ObjectNode> next() {
        while (!rows.hasNext()) {
            if (nextRowGroup >= metadata.rowGroups().size()) {
                return Optional.empty();
            }
            rows = readRowGroup(nextRowGroup++).iterator();
        }
        return Optional.of(rows.next());
    }

    private FileMetadata readFooter() throws IOException {
        if (size < 4 || !Arrays.equals(read(0, 4), MAGIC)) {
            throw new ParquetException(fileName + ": not a Parquet file (it does not start with the bytes PAR1)");
        }
        if (size < 12 || !Arrays.equals(read(size - 4, 4), MAGIC)) {
            throw new ParquetException(fileName + ": the Parquet file is truncated (it does not end with the footer "
                    + "and PAR1; was the upload or download cut short?)");
        }
        int footerLength = ColumnChunkReader.littleEndianInt(read(size - 8, 4), 0);
        if (footerLength <= 0 || footerLength > size - 12 || footerLength > MAX_FOOTER_BYTES) {
            throw new ParquetException(fileName + ": the Parquet footer is damaged (it claims " + footerLength
                    + " bytes in a file of " + size + ")");
        }
        byte[] footer = read(size - 8 - footerLength, footerLength);
        try {
            return FileMetadata.read(new ThriftCompactReader(footer, 0, footer.length));
        } catch (IllegalStateException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new ParquetException(fileName + ": the Parquet footer is damaged (" + e.getMessage() + ")", e);
        }
    }

    private TableShape shapeOf(FileMetadata metadata) {
        try {
            return TableShape.of(metadata.schema());
        } catch (ParquetException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ParquetException(fileName + ": the Parquet schema in the footer is damaged (" + e + ")", e);
        }
    }

    /** Every chunk must lie inside the file and match its leaf column, with a codec this reader decodes. */
    private void checkChunks() {
        for (int g = 0; g < metadata.rowGroups().size(); g++) {
            List<FileMetadata.ColumnChunk> chunks = metadata.rowGroups().get(g).columns();
            if (chunks.size() != shape.leaves().size()) {
                throw new ParquetException(fileName + ": row group " + (g + 1) + " has " + chunks.size()
                        + " column chunks, the schema " + shape.leaves().size() + " leaf columns");
            }
            for (int c = 0; c < chunks.size(); c++) {
                FileMetadata.ColumnChunk chunk = chunks.get(c);
                String column = shape.leaves().get(c).name();
                Codec.of(chunk.codec(), column);
                if (chunk.start() < 4 || chunk.totalCompressedSize() < 0
                        || chunk.start() + chunk.totalCompressedSize() > size - 8) {
                    throw new ParquetException(fileName + ": column '" + column + "' in row group " + (g + 1)
                            + " lies outside the file (the file is truncated or damaged)");
                }
            }
        }
    }

    private List<ObjectNode> readRowGroup(int index) {
        FileMetadata.RowGroup group = metadata.rowGroups().get(index);
        if (group.numRows() > Integer.MAX_VALUE - 8) {
            throw new ParquetException(fileName + ": row group " + (index + 1) + " has " + group.numRows()
                    + " rows, more than one group can hold here");
        }
        List<ColumnData> data = new ArrayList<>();
        for (int c = 0; c < group.columns().size(); c++) {
            FileMetadata.ColumnChunk chunk = group.columns().get(c);
            Leaf leaf = shape.leaves().get(c);
            try {
                byte[] bytes = read(chunk.start(), Math.toIntExact(chunk.totalCompressedSize()));
                data.add(new ColumnChunkReader(leaf, Codec.of(chunk.codec(), leaf.name())).read(bytes,
                        chunk.numValues()));
            } catch (ParquetException e) {
                throw new ParquetException(fileName + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {        // damaged page data: bad lengths, levels or compressed bytes
                throw damaged(index, leaf.name(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + fileName + ": " + e.getMessage(), e);
            }
        }
        try {
            return RowAssembler.rows(shape, data, (int) group.numRows());
        } catch (RuntimeException e) {
            throw damaged(index, "?", e);
        }
    }

    private ParquetException damaged(int rowGroup, String column, RuntimeException e) {
        String where = column.equals("?") ? "" : "column '" + column + "' in ";
        return new ParquetException(fileName + ": " + where + "row group " + (rowGroup + 1) + " is damaged ("
                + e.getMessage() + ")", e);
    }

    private byte[] read(long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new EOFException("the file ends at byte " + at);
            }
            at += read;
        }
        return buffer.array();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a read-only file
        }
    }
}
