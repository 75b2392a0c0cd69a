package io.tuneforge.core.job;

import java.util.List;
import java.util.Map;

/**
 * What a user asks to train.
 *
 * @param name        a name for the run (shown in lists)
 * @param baseModelId the base model to fine-tune
 * @param datasets    the dataset versions to train on with their mixing ratios (the first is the job's primary dataset)
 * @param method      LoRA, full or freeze
 * @param config      the {@code train} configuration with LLaMA-Factory keys (learning_rate, lora_rank, ...)
 * @param priority    queue priority (higher runs first; only administrators raise it above 0)
 */
public record JobRequest(String name, long baseModelId, List<DatasetShare> datasets, FineTuningMethod method,
        Map<String, Object> config, int priority) {

    /**
     * One dataset of a mix.
     *
     * @param versionId dataset version id
     * @param ratio     times its rows are used per epoch (1 every row once, 0.5 a seeded half, 2 twice), above 0
     */
    public record DatasetShare(long versionId, double ratio) {
    }
}
