package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFileTypes;
import io.tuneforge.trainer.data.format.RecordSource.Layout;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opens a dataset file as the {@link RecordSource} of its layout. */
public final class RecordSources {

    private RecordSources() {
    }

    /** Opens a file with the layout its content and name call for. */
    public static RecordSource open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("Dataset file " + file + " does not exist or is not a regular file");
        }
        try {
            return switch (layoutOf(file)) {
                case JSON_ARRAY -> new JsonArraySource(file);
                case CSV -> new CsvSource(file);
                case TEXT_LINES -> new TextLinesSource(file);
                case JSON_LINES -> new JsonLinesSource(file);
                case PARQUET -> new ParquetSource(file);
            };
        } catch (IOException e) {
            throw new DatasetException("Cannot read dataset file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The layout of a file: by extension for CSV, text and Parquet, else by its first non-blank byte. */
    public static Layout layoutOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (DatasetFileTypes.isParquet(name)) {
            return Layout.PARQUET;
        }
        if (name.endsWith(".csv")) {
            return Layout.CSV;
        }
        if (name.endsWith(".txt")) {
            return Layout.TEXT_LINES;
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            int b;
            boolean first = true;
            while ((b = in.read()) != -1) {
                if (first && b == 0xEF) {            // UTF-8 byte-order mark
                    in.skipNBytes(2);
                    first = false;
                    continue;
                }
                first = false;
                if (b == '[') {
                    return Layout.JSON_ARRAY;
                }
                if (!Character.isWhitespace(b)) {
                    return Layout.JSON_LINES;
                }
            }
            return Layout.JSON_LINES;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
