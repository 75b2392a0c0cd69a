package io.tuneforge.trainer.training.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.training.preference.PairObjective;
import io.tuneforge.trainer.training.preference.PreferenceBatch;
import io.tuneforge.trainer.training.preference.PreferenceObjective;

/**
 * The reward model's pairwise loss, {@code −log σ(r_chosen − r_rejected)} per pair (LLaMA-Factory's
 * {@code PairwiseTrainer.compute_loss}, TRL's {@code RewardTrainer}); the rewards are reported as
 * {@code rewards/chosen} and {@code rewards/rejected}, and {@code rewards/accuracies} is the pairwise accuracy.
 */
public final class RewardObjective implements PairObjective {

    private final RewardModel model;

    public RewardObjective(RewardModel model) {
        this.model = model;
    }

    @Override
    public PreferenceObjective.PairLosses losses(NDManager step, TrainableModel trained, PreferenceBatch batch,
            int chunkTokens, boolean training) {
        if (trained != model) {
            throw new IllegalArgumentException("the reward objective trains its own reward model");
        }
        NDArray rewards = model.rewards(step, batch.rows(), training);                        // (2B,)
        NDArray chosen = own(step, rewards.get(new NDIndex("0:{}", batch.pairs())));           // (B,)
        NDArray rejected = own(step, rewards.get(new NDIndex("{}:", batch.pairs())));          // (B,)
        NDArray margin = own(step, chosen.sub(rejected));                                      // (B,)
        NDArray losses = own(step, Activation.softPlus(own(step, margin.neg())));             // −log σ(margin)
        return new PreferenceObjective.PairLosses(losses, values(step, chosen), values(step, rejected),
                new double[0], new double[0]);
    }

    private static double[] values(NDManager step, NDArray array) {
        return own(step, array.toType(DataType.FLOAT64, false)).toDoubleArray();
    }

    private static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
