package io.tuneforge.core.job;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a claimed job asks its worker to train, read by {@link ClaimedJobs} under the worker's lease.
 *
 * @param jobId            the job
 * @param name             display name
 * @param method           LoRA, full or freeze
 * @param configJson       the stored training configuration, LLaMA-Factory keys (JSON object)
 * @param baseModelName    base model's registered name
 * @param baseModelPath    folder with the base model (config.json, tokenizer, safetensors)
 * @param datasetVersionId primary training data version (the job's own version; the first of {@code datasets}
 *                         when the configuration has no {@code dataset_mix})
 * @param datasets         every dataset the job trains on with its files and mixing ratio, in the mix's order
 * @param devicesRequested devices the job holds
 * @param attempt          1 on the first run; a restart after a lost worker or a release keeps the number
 * @param adapterKey       the artifact-store key of the LoRA adapter the job continues training (another succeeded
 *                         job's, DD030); empty when it starts from the base model alone
 * @param rewardModel      stage ppo: the finished reward-model job that scores its answers (DD037); empty otherwise
 */
public record ClaimedJob(long jobId, String name, FineTuningMethod method, String configJson, String baseModelName,
        Path baseModelPath, long datasetVersionId, List<ClaimedDataset> datasets, int devicesRequested, int attempt,
        Optional<String> adapterKey, Optional<ClaimedRewardModel> rewardModel) {

    public ClaimedJob {
        datasets = List.copyOf(datasets);
    }
}
