package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.ClaimedDataset;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.nio.file.Path;
import java.util.List;

/**
 * One dataset of a job's mix ({@code dataset_mix} in the job's config; the job's primary dataset alone without it).
 *
 * @param versionId       the dataset version
 * @param name            the dataset's name
 * @param format          alpaca, sharegpt, openai, ...; empty when the version no longer exists
 * @param trainFiles      training files (absolute), none when the version has no stored file
 * @param validationFiles validation files (absolute), possibly none
 * @param ratio           how many times its rows are used per epoch relative to its size (1: every row once,
 *                        0.5: a seeded half, 2: every row twice), see
 *                        {@link io.tuneforge.trainer.data.preparation.DatasetMix}
 * @param mapping         the column mapping the version's rows are read through (stored with the version)
 */
public record JobDataset(long versionId, String name, String format, List<Path> trainFiles, List<Path> validationFiles,
        double ratio, ColumnMapping mapping) {

    public JobDataset {
        trainFiles = List.copyOf(trainFiles);
        validationFiles = List.copyOf(validationFiles);
    }

    /** A dataset read with its format's own field names. */
    public JobDataset(long versionId, String name, String format, List<Path> trainFiles, List<Path> validationFiles,
            double ratio) {
        this(versionId, name, format, trainFiles, validationFiles, ratio, ColumnMapping.none());
    }

    /** One dataset of a claimed job's mix as core reads it; a version that no longer exists has no format. */
    static JobDataset of(ClaimedDataset dataset) {
        return new JobDataset(dataset.versionId(), dataset.name(), dataset.format().map(DatasetFormat::cliName)
                .orElse(""), dataset.trainFiles(), dataset.validationFiles(), dataset.ratio(), dataset.mapping());
    }
}
