package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.TrainableModel;

import java.util.Optional;

/**
 * Preference optimisation (stage dpo): a {@link PreferenceLoss} on the policy's response log-probabilities against
 * a reference model's.
 *
 * @param objective the loss and its settings
 * @param reference the reference model; empty for orpo and simpo, which need none
 */
public record PreferenceTraining(PreferenceObjective objective, Optional<ReferenceModel> reference)
        implements PairObjective {

    public PreferenceTraining {
        if (objective.config().loss().usesReference() && reference.isEmpty()) {
            throw new IllegalArgumentException("pref_loss " + objective.config().loss().configName()
                    + " needs a reference model");
        }
    }

    @Override
    public PreferenceObjective.PairLosses losses(NDManager step, TrainableModel model, PreferenceBatch batch,
            int chunkTokens, boolean training) {
        return batch.losses(step, model, reference, objective, chunkTokens, training);
    }
}
