package io.tuneforge.core.job;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One dataset of a claimed job's mix ({@code dataset_mix} in the job's configuration; the job's primary dataset
 * version alone without it).
 *
 * @param versionId       the dataset version
 * @param name            the dataset's name; when the version no longer exists, the name stored in the mix at launch
 *                        (or {@code version <id>} without one)
 * @param format          the version's stored format; empty when the version no longer exists
 * @param trainFiles      training files (absolute), none when the version has no stored file
 * @param validationFiles validation files (absolute), possibly none
 * @param ratio           how many times its rows are used per epoch relative to its size (1: every row once)
 * @param mapping         the column mapping the version's rows are read through (stored with the version)
 */
public record ClaimedDataset(long versionId, String name, Optional<DatasetFormat> format, List<Path> trainFiles,
        List<Path> validationFiles, double ratio, ColumnMapping mapping) {

    public ClaimedDataset {
        trainFiles = List.copyOf(trainFiles);
        validationFiles = List.copyOf(validationFiles);
    }

    /** A dataset read with its format's own field names. */
    public ClaimedDataset(long versionId, String name, Optional<DatasetFormat> format, List<Path> trainFiles,
            List<Path> validationFiles, double ratio) {
        this(versionId, name, format, trainFiles, validationFiles, ratio, ColumnMapping.none());
    }
}
