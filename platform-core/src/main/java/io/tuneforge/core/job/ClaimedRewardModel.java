package io.tuneforge.core.job;

import java.nio.file.Path;

/**
 * The reward model a claimed PPO job scores its answers with (DD037): a succeeded stage rm job's stored result.
 *
 * @param jobId         the reward-model job
 * @param name          its name (for the job's events)
 * @param artifactKey   the artifact-store key of its result folder
 * @param baseModelPath the base model it was trained from (an adapter is applied to it)
 * @param adapter       true: the folder is an adapter with {@code value_head.safetensors} (LoRA, OFT, ...); false:
 *                      a complete model with it (full / freeze tuning)
 */
public record ClaimedRewardModel(long jobId, String name, String artifactKey, Path baseModelPath, boolean adapter) {
}
