package io.tuneforge.trainer.training.kto;

import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.training.preference.ReferenceModel;

import java.io.IOException;
import java.util.Optional;

/**
 * KTO for a loaded policy with its reference: the policy with its adapters switched off when it trains LoRA adapters
 * (PEFT's {@code disable_adapter()}, no second copy), otherwise a frozen copy of the base loaded from the policy's
 * folder. Closing it frees the copy.
 *
 * @param objective the loss, for {@code Trainer.preference}
 * @param copy      the frozen copy, when one was loaded
 */
public record KtoSetup(KtoObjective objective, Optional<LlamaModel> copy) implements AutoCloseable {

    /** Builds the setup for {@code policy}. */
    public static KtoSetup of(KtoConfig config, LlamaModel policy) throws IOException {
        if (policy.loraConfig().isPresent()) {
            return new KtoSetup(new KtoObjective(config, ReferenceModel.adaptersOff(policy)), Optional.empty());
        }
        LlamaModel copy = LlamaModel.load(policy.directory(), ModelOptions.training(FineTuning.none(), 0));
        return new KtoSetup(new KtoObjective(config, ReferenceModel.frozen(copy)), Optional.of(copy));
    }

    @Override
    public void close() {
        copy.ifPresent(LlamaModel::close);
    }
}
