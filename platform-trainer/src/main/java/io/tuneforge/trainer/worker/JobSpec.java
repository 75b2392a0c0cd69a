package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.FineTuningMethod;
import java.nio.file.Path;
import java.util.List;

/**
 * What a claimed job asks to train.
 *
 * @param jobId            the job
 * @param name             display name
 * @param method           LoRA, full or freeze
 * @param configJson       training configuration, LLaMA-Factory keys (JSON object)
 * @param baseModelName    base model's registered name
 * @param baseModelPath    folder with the base model (config.json, tokenizer, safetensors)
 * @param datasetVersionId training data version
 * @param datasetFormat    alpaca, sharegpt, openai, ...
 * @param trainFiles       training files (absolute)
 * @param validationFiles  validation files (absolute), possibly none
 * @param devicesRequested devices the job holds
 * @param attempt          1 on the first run, +1 per restart after a lost worker
 */
public record JobSpec(long jobId, String name, FineTuningMethod method, String configJson, String baseModelName,
        Path baseModelPath, long datasetVersionId, String datasetFormat, List<Path> trainFiles,
        List<Path> validationFiles, int devicesRequested, int attempt) {
}
