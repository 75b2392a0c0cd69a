package io.tuneforge.core.job;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a user asks to train, from the new-job form and from {@code POST /api/v1/fine_tuning/jobs} alike; checked
 * and stored by {@link JobSubmissionService#submit}.
 *
 * @param name             a name for the run, 1 to 200 characters (shown in lists)
 * @param baseModelId      the base model to fine-tune (the team's own or a shared one)
 * @param datasets         the dataset versions to train on with their mixing ratios; the first is the job's primary
 *                         dataset (the REST API gives one, its {@code training_file})
 * @param method           LoRA, full or freeze
 * @param configuration    the {@code train} configuration with LLaMA-Factory keys (learning_rate, lora_rank, ...)
 * @param priority         queue priority: higher runs first within fair share; only administrators go above 0
 * @param devicesRequested devices the job holds while running, at least 1 (the team quota applies when it is claimed)
 * @param maxAttempts      how many times the job may be (re)started after losing its worker; empty = 3
 * @param adapterFromJob   a succeeded LoRA job of the same base model whose adapter this job continues training
 *                         (DD030: "Train with these ratings"); empty to train a new adapter
 */
public record JobSubmission(String name, long baseModelId, List<DatasetShare> datasets, FineTuningMethod method,
        Map<String, Object> configuration, int priority, int devicesRequested, Optional<Integer> maxAttempts,
        Optional<Long> adapterFromJob) {

    public JobSubmission {
        adapterFromJob = adapterFromJob == null ? Optional.empty() : adapterFromJob;
        datasets = datasets == null ? List.of() : List.copyOf(datasets);
        configuration = configuration == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(configuration));
        maxAttempts = maxAttempts == null ? Optional.empty() : maxAttempts;
    }

    /** A submission that trains a new adapter (or all weights). */
    public JobSubmission(String name, long baseModelId, List<DatasetShare> datasets, FineTuningMethod method,
            Map<String, Object> configuration, int priority, int devicesRequested, Optional<Integer> maxAttempts) {
        this(name, baseModelId, datasets, method, configuration, priority, devicesRequested, maxAttempts,
                Optional.empty());
    }

    /** This submission continuing the LoRA adapter of a succeeded job. */
    public JobSubmission continuingAdapterOf(long jobId) {
        return new JobSubmission(name, baseModelId, datasets, method, configuration, priority, devicesRequested,
                maxAttempts, Optional.of(jobId));
    }

    /** A job on one whole dataset version with priority 0, one device and the default attempt limit. */
    public static JobSubmission of(String name, long baseModelId, long datasetVersionId, FineTuningMethod method,
            Map<String, Object> configuration) {
        return new JobSubmission(name, baseModelId, List.of(new DatasetShare(datasetVersionId, 1.0)), method,
                configuration, 0, 1, Optional.empty());
    }

    /** This submission with another queue priority. */
    public JobSubmission withPriority(int newPriority) {
        return new JobSubmission(name, baseModelId, datasets, method, configuration, newPriority, devicesRequested,
                maxAttempts, adapterFromJob);
    }

    /**
     * One dataset of a mix.
     *
     * @param versionId dataset version id
     * @param ratio     times its rows are used per epoch (1 every row once, 0.5 a seeded half, 2 twice), above 0
     */
    public record DatasetShare(long versionId, double ratio) {
    }
}
