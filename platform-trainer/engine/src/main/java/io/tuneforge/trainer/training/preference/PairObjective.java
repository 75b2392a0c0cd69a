package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.TrainableModel;

/**
 * What a trainer on preference pairs minimises: DPO and its variants ({@link PreferenceTraining}) or a reward
 * model's pairwise loss ({@link RewardObjective}). The trainer sums the returned per-pair losses over a step and
 * divides by the step's pairs.
 */
@FunctionalInterface
public interface PairObjective {

    /**
     * @param step        manager receiving every intermediate
     * @param model       the trained model
     * @param batch       B pairs as 2B rows
     * @param chunkTokens rows per LM-head chunk
     * @param training    true in a training step (the caller's collector records the gradient)
     * @return the per-pair losses and the metrics of the batch
     */
    PreferenceObjective.PairLosses losses(NDManager step, TrainableModel model, PreferenceBatch batch,
            int chunkTokens, boolean training);
}
