package io.tuneforge.trainer.data.format;

import java.util.Optional;

/**
 * Streams the records of a dataset file one at a time, so memory stays bounded whatever the file size. The layout
 * is chosen from the content and extension: a file whose first non-blank byte is {@code [} is a JSON array (parsed
 * with Jackson's streaming parser, one element at a time); {@code .csv} is CSV with a header row; {@code .txt} is one
 * text record per non-blank line; {@code .parquet} is Parquet (rows read as JSON objects by a pure-Java reader, one
 * row group at a time); anything else is JSON Lines ({@link RecordSources} opens the right one).
 */
public interface RecordSource extends AutoCloseable {

    /** The next record or problem; empty at the end of the file (or after a fatal problem). */
    Optional<SourceItem> next();

    /** The file layout this source reads. */
    Layout layout();

    @Override
    void close();

    /** Physical layouts of dataset files. */
    enum Layout { JSON_ARRAY, JSON_LINES, CSV, TEXT_LINES, PARQUET }
}
