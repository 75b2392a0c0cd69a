package io.tuneforge.trainer.data.preview;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.EncodingStats;

import java.util.List;

/**
 * A dataset as a model will be trained on it: the first samples rendered with the chat template and split into
 * trained and untrained text, and token statistics.
 *
 * @param datasetName the dataset's name (file name or {@code dataset_info.json} key)
 * @param format      the format its rows were read as
 * @param template    the chat template's name
 * @param cutoff      {@code cutoff_len} the rows were encoded with
 * @param totalRows   rows read from the dataset (valid rows)
 * @param samples     the first samples; {@link EncodedExample#segments()} marks the trained text
 * @param stats       statistics over the first {@code stats.rows()} rows (all of them unless the caller capped it)
 */
public record TrainingPreview(String datasetName, DatasetFormat format, String template, int cutoff, int totalRows,
        List<EncodedExample> samples, EncodingStats stats) {

    public TrainingPreview {
        samples = List.copyOf(samples);
    }

    /** True when the statistics cover every row, false when they were measured on the first rows only. */
    public boolean statisticsCoverAllRows() {
        return stats.rows() == totalRows;
    }
}
