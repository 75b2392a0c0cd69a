package io.tuneforge.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.TrainableModel;
import java.io.IOException;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The frozen starting model ASFT anchors to ({@link TokenLossWeighting.Asft}): for a model training adapters the
 * model itself with its adapters switched off (no second copy, as preference training's reference); for full and
 * freeze tuning a frozen copy loaded from the model's folder (LLaMA-Factory's {@code create_ref_model}). Its forward
 * records no gradient: every weight it reads is frozen. Closing it frees the copy.
 */
final class AsftReference implements AutoCloseable {

    private final LlamaModel policy;
    private final Optional<LlamaModel> copy;

    private AsftReference(LlamaModel policy, Optional<LlamaModel> copy) {
        this.policy = policy;
        this.copy = copy;
    }

    /** The reference for {@code model}, which must be a causal language model (stage sft or pt). */
    static AsftReference of(TrainableModel model) throws IOException {
        if (!(model instanceof LlamaModel llama)) {
            throw new TrainingConfigException("use_asft_loss applies to supervised fine-tuning of a language model, not "
                    + "to a " + model.getClass().getSimpleName());
        }
        if (llama.hasAdapter()) {
            return new AsftReference(llama, Optional.empty());
        }
        LlamaModel frozen = LlamaModel.load(llama.directory(), ModelOptions.training(FineTuning.none(), 0));
        return new AsftReference(llama, Optional.of(frozen));
    }

    /**
     * The reference's view of a batch.
     *
     * @param inputIds (B, T) token ids of the batch
     * @return its (B, T, C) hidden states and head, everything in {@code step}
     */
    CausalLmLoss.Reference forward(NDManager step, NDArray inputIds) {
        if (copy.isPresent()) {
            return view(copy.get(), step, inputIds);
        }
        try (LlamaModel.BaseOnly base = policy.adaptersDisabled()) {
            return view(policy, step, inputIds);
        }
    }

    private static CausalLmLoss.Reference view(LlamaModel model, NDManager step, NDArray inputIds) {
        NDArray hidden = model.hiddenStates(step, inputIds, false).stopGradient();          // (B, T, C)
        hidden.attach(step);
        UnaryOperator<NDArray> projection = model.vocabularyProjection(step);
        return new CausalLmLoss.Reference(hidden, rows -> {
            NDArray logits = model.softcap(step, projection.apply(rows));                   // (n, V)
            logits.attach(step);
            return logits;
        });
    }

    @Override
    public void close() {
        copy.ifPresent(LlamaModel::close);
    }
}
