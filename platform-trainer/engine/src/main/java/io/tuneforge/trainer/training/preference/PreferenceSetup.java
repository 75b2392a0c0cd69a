package io.tuneforge.trainer.training.preference;

import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;

import java.io.IOException;
import java.util.Optional;

/**
 * Preference training for a loaded policy, with the reference it needs: none for orpo and simpo; the policy with its
 * adapters switched off when it trains LoRA adapters (no second copy); otherwise a frozen copy of the base loaded from
 * the policy's own folder. Closing it frees the copy.
 *
 * @param training the loss and the reference, for {@code Trainer.preference}
 * @param copy     the frozen copy, when one was loaded
 */
public record PreferenceSetup(PreferenceTraining training, Optional<LlamaModel> copy) implements AutoCloseable {

    /** Builds the setup for {@code policy}, loading a frozen copy only when the loss needs one and no adapter can be switched off. */
    public static PreferenceSetup of(PreferenceConfig config, LlamaModel policy) throws IOException {
        PreferenceObjective objective = new PreferenceObjective(config);
        if (!config.loss().usesReference()) {
            return new PreferenceSetup(new PreferenceTraining(objective, Optional.empty()), Optional.empty());
        }
        if (policy.hasAdapter()) {   // LoRA, prefix or bottleneck adapters: switched off, the base remains
            return new PreferenceSetup(new PreferenceTraining(objective,
                    Optional.of(ReferenceModel.adaptersOff(policy))), Optional.empty());
        }
        LlamaModel copy = LlamaModel.load(policy.directory(), ModelOptions.training(FineTuning.none(), 0));
        return new PreferenceSetup(new PreferenceTraining(objective, Optional.of(ReferenceModel.frozen(copy))),
                Optional.of(copy));
    }

    @Override
    public void close() {
        copy.ifPresent(LlamaModel::close);
    }
}
