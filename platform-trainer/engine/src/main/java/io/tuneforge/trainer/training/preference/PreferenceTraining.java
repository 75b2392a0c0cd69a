package io.tuneforge.trainer.training.preference;

import java.util.Optional;

/**
 * What turns the trainer from next-token loss to a preference loss (stage dpo).
 *
 * @param objective the loss and its settings
 * @param reference the reference model; empty for orpo and simpo, which need none
 */
public record PreferenceTraining(PreferenceObjective objective, Optional<ReferenceModel> reference) {

    public PreferenceTraining {
        if (objective.config().loss().usesReference() && reference.isEmpty()) {
            throw new IllegalArgumentException("pref_loss " + objective.config().loss().configName()
                    + " needs a reference model");
        }
    }
}
