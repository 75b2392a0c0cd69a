package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.ClaimedJob;
import io.tuneforge.core.job.ClaimedRewardModel;
import io.tuneforge.core.job.FineTuningMethod;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a claimed job asks to train.
 *
 * @param jobId            the job
 * @param name             display name
 * @param method           LoRA, full or freeze
 * @param configJson       training configuration, LLaMA-Factory keys (JSON object)
 * @param baseModelName    base model's registered name
 * @param baseModelPath    folder with the base model (config.json, tokenizer, safetensors)
 * @param datasetVersionId primary training data version (the first of {@code datasets})
 * @param datasets         every dataset the job trains on with its files and mixing ratio, the primary first
 * @param devicesRequested devices the job holds
 * @param attempt          1 on the first run, +1 per restart after a lost worker
 * @param adapterKey       artifact-store key of the LoRA adapter to continue training (DD030); empty: a new adapter
 * @param rewardModel      stage ppo: the reward-model job scoring the answers (DD037); empty for other stages
 */
public record JobSpec(long jobId, String name, FineTuningMethod method, String configJson, String baseModelName,
        Path baseModelPath, long datasetVersionId, List<JobDataset> datasets, int devicesRequested, int attempt,
        Optional<String> adapterKey, Optional<ClaimedRewardModel> rewardModel) {

    public JobSpec {
        datasets = List.copyOf(datasets);
    }

    /** The job as core reads it for its worker ({@link io.tuneforge.core.job.ClaimedJobs}). */
    static JobSpec of(ClaimedJob job) {
        return new JobSpec(job.jobId(), job.name(), job.method(), job.configJson(), job.baseModelName(),
                job.baseModelPath(), job.datasetVersionId(), job.datasets().stream().map(JobDataset::of).toList(),
                job.devicesRequested(), job.attempt(), job.adapterKey(),
                job.rewardModel());
    }
}
