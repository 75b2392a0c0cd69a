package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.format.Columns;
import io.tuneforge.trainer.data.format.ShareGptTags;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to read one dataset file: from a path and a format given by the user, or from a
 * {@code dataset_info.json} entry.
 *
 * @param name    the dataset's name (the {@code dataset_info.json} key, else the file name)
 * @param file    the data file
 * @param format  its format; empty to detect it from the first records
 * @param columns which field holds what
 * @param tags    ShareGPT/OpenAI role and content keys; empty to recognise {@code from}/{@code value} or
 *                {@code role}/{@code content} per row
 */
public record DatasetSpec(String name, Path file, Optional<DatasetFormat> format, Columns columns,
        Optional<ShareGptTags> tags) {

    public DatasetSpec {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        name = name == null || name.isBlank() ? file.getFileName().toString() : name;
        columns = columns == null ? Columns.defaults() : columns;
        tags = tags == null ? Optional.empty() : tags;
    }

    /** A dataset in a known format. */
    public DatasetSpec(String name, Path file, DatasetFormat format, Columns columns, Optional<ShareGptTags> tags) {
        this(name, file, Optional.of(format), columns, tags);
    }

    /** A file read with default column names. */
    public static DatasetSpec of(Path file, DatasetFormat format) {
        return of(file, Optional.of(format));
    }

    /** A file read with default column names, its format detected from the first records when empty. */
    public static DatasetSpec of(Path file, Optional<DatasetFormat> format) {
        return new DatasetSpec(file.getFileName().toString(), file, format, Columns.defaults(), Optional.empty());
    }

    /** A file whose format is detected from its first records. */
    public static DatasetSpec detecting(Path file) {
        return of(file, Optional.empty());
    }

    /** The same dataset with classification columns mapped (CSV files whose headers are not text/label). */
    public DatasetSpec withClassificationColumns(String textColumn, String labelColumn) {
        return new DatasetSpec(name, file, format, columns.withClassification(textColumn, labelColumn), tags);
    }

    /** The same dataset with another format. */
    public DatasetSpec withFormat(DatasetFormat newFormat) {
        return new DatasetSpec(name, file, Optional.of(newFormat), columns, tags);
    }

    /**
     * The same dataset read through a user's column mapping (an upload's, stored with its version), applied like a
     * {@code dataset_info.json} entry's {@code columns} and {@code tags}: only the keys given override the defaults.
     *
     * @throws DatasetException naming the key when the mapping has a key LLaMA-Factory does not know, or a multimodal
     *                          one
     */
    public DatasetSpec withMapping(ColumnMapping mapping) {
        if (mapping.isEmpty()) {
            return this;
        }
        String where = "column mapping";
        for (String key : Columns.MULTIMODAL_KEYS) {
            if (mapping.columns().containsKey(key)) {
                throw new DatasetException(where + ": multimodal data (column '" + key
                        + "') is not supported: TuneForge trains text-only models");
            }
        }
        Columns mapped = columns.with(mapping.columns(), where);
        Optional<ShareGptTags> mappedTags = tags;
        if (!mapping.tags().isEmpty()) {
            ShareGptTags base = tags.orElse(format.filter(f -> f == DatasetFormat.OPENAI).isPresent()
                    ? ShareGptTags.openAi() : ShareGptTags.shareGpt());
            mappedTags = Optional.of(base.with(mapping.tags(), where));
        }
        return new DatasetSpec(name, file, format, mapped, mappedTags);
    }
}
