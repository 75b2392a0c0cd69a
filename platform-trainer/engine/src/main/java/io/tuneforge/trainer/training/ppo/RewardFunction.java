package io.tuneforge.trainer.training.ppo;

import java.util.List;

/**
 * The score of each rollout (PPO's reward before the KL penalty): a trained reward model
 * ({@link RewardModelScores}), or in tests a scripted function.
 */
@FunctionalInterface
public interface RewardFunction {

    /**
     * @param queries   the prompt token ids of each rollout
     * @param responses the generated token ids of each rollout (same order)
     * @return one score per rollout
     */
    double[] scores(List<int[]> queries, List<int[]> responses);
}
