package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.parquet.ParquetReader;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Parquet file's rows as records, read by the pure-Java {@link ParquetReader} one row group at a time: each row is
 * the JSON object of its columns (lists of structs become arrays of objects), so format detection, column mapping and
 * validation treat it exactly like a JSON Lines record. A row's "line" is its row number from 1. A file the reader
 * refuses (not Parquet, truncated, an unsupported codec, encoding or nesting) fails {@link RecordSources#open} with the
 * reader's message, which names the file and the column.
 */
final class ParquetSource implements RecordSource {

    private final ParquetReader reader;
    private long index;

    ParquetSource(Path file) {
        this.reader = ParquetReader.open(file, file.getFileName().toString());
    }

    @Override
    public Optional<SourceItem> next() {
        return reader.next().map(row -> {
            long at = index++;
            return new SourceItem.RawRecord(at, at + 1, row);
        });
    }

    @Override
    public Layout layout() {
        return Layout.PARQUET;
    }

    @Override
    public void close() {
        reader.close();
    }
}
