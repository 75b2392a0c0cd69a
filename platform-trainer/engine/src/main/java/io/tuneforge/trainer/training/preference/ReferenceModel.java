package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.training.Batch;

/**
 * The frozen model preference losses compare with. For LoRA it is the trained model itself with its adapters
 * switched off (PEFT's {@code disable_adapter()}: no second copy in memory); for full or freeze tuning a separately
 * loaded copy of the base that never trains. Its forward pass runs outside any gradient collector, so it records no
 * gradient.
 */
@FunctionalInterface
public interface ReferenceModel {

    /**
     * @param step        manager receiving every intermediate
     * @param batch       rows to score
     * @param chunkTokens rows per LM-head chunk
     * @return (R,) summed log-probabilities of each row's counted labels
     */
    NDArray logProbs(NDManager step, Batch batch, int chunkTokens);

    /** The LoRA model with its adapters switched off during the reference pass. */
    static ReferenceModel adaptersOff(LlamaModel model) {
        return (step, batch, chunkTokens) -> {
            try (LlamaModel.BaseOnly base = model.adaptersDisabled()) {
                return scored(model, step, batch, chunkTokens);
            }
        };
    }

    /** A frozen copy of the base (full and freeze tuning). */
    static ReferenceModel frozen(TrainableModel copy) {
        return (step, batch, chunkTokens) -> scored(copy, step, batch, chunkTokens);
    }

    private static NDArray scored(TrainableModel model, NDManager step, Batch batch, int chunkTokens) {
        NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);         // (R, T, C)
        return SequenceLogProbs.sum(step, hidden, model.lmHeadWeight(), batch, chunkTokens); // (R,)
    }
}
