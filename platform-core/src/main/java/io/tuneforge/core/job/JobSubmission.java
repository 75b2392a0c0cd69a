package io.tuneforge.core.job;

import java.util.Optional;

/**
 * A request to fine-tune.
 *
 * @param name             display name
 * @param baseModelId      the base model (the team's own or a shared one)
 * @param datasetVersionId the training data (a dataset version of the team)
 * @param method           LoRA, full or freeze
 * @param configJson       training configuration as a JSON object with LLaMA-Factory keys
 * @param priority         higher runs first within fair share (0 = normal)
 * @param devicesRequested devices the job holds while running (counted against the team quota)
 * @param maxAttempts      how many times the job may be (re)started after losing its worker; empty = 3
 */
public record JobSubmission(String name, long baseModelId, long datasetVersionId, FineTuningMethod method,
        String configJson, int priority, int devicesRequested, Optional<Integer> maxAttempts) {
}
