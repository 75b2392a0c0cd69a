package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The platform's port to the data pipeline: every reading of a dataset file that the platform does (detecting the
 * format of an upload or a LLaMA-Factory import, validating a version, previewing its first rows) goes through it, so
 * a file gets the same format and the same verdict in the UI, the REST API, the CLI and the worker. The training
 * engine implements it ({@code trainer.data.platform.PipelineDatasetInspector}); core has no reader of its own.
 * A {@link ColumnMapping} names the fields of rows that do not use a format's own names (LLaMA-Factory's
 * {@code columns} and {@code tags}).
 */
public interface DatasetInspector {

    /** The format the file's first records reveal, read through {@code mapping}; empty when none does. */
    Optional<DatasetFormat> detect(Path file, ColumnMapping mapping);

    /**
     * Every row of the file checked as {@code format} read through {@code mapping}, summarised for storage with the
     * version.
     *
     * @throws DatasetException when the mapping itself is wrong (an unknown key, named)
     */
    ValidationSummary validate(Path file, DatasetFormat format, ColumnMapping mapping);

    /**
     * Up to {@code limit} records from the start of the file, without reading it whole.
     *
     * @throws DatasetException when the file cannot be read up to there (names the line and what is wrong)
     */
    List<DatasetRecord> head(Path file, int limit);

    /**
     * Validates the file like {@link #validate} and writes the records that pass, unchanged, to {@code target} as
     * JSON Lines (one object a line, UTF-8).
     *
     * @return the report of the whole file (its problems are those of the rows left out)
     */
    ValidationSummary keepValid(Path file, DatasetFormat format, ColumnMapping mapping, Path target);

    /** {@link #detect(Path, ColumnMapping)} with the formats' own field names. */
    default Optional<DatasetFormat> detect(Path file) {
        return detect(file, ColumnMapping.none());
    }

    /** {@link #validate(Path, DatasetFormat, ColumnMapping)} with the formats' own field names. */
    default ValidationSummary validate(Path file, DatasetFormat format) {
        return validate(file, format, ColumnMapping.none());
    }
}
