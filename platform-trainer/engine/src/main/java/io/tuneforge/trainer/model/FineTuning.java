package io.tuneforge.trainer.model;

import io.tuneforge.trainer.model.lora.LoraConfig;

/** Which parameters of a loaded model train. */
public sealed interface FineTuning {

    /** Nothing trains (inference, scoring). */
    record None() implements FineTuning {
    }

    /** LoRA adapters on chosen linears; the base is frozen. */
    record Lora(LoraConfig lora) implements FineTuning {
    }

    /** Every weight trains (embedding, norms, all linears, the LM head). */
    record Full() implements FineTuning {
    }

    /**
     * Freeze tuning: only the last {@code trainableLayers} decoder blocks train (all their weights), as
     * LLaMA-Factory's {@code freeze_trainable_layers} with modules {@code all}.
     */
    record Freeze(int trainableLayers) implements FineTuning {
        public Freeze {
            if (trainableLayers <= 0) {
                throw new IllegalArgumentException("freeze tuning needs at least one trainable layer, got " + trainableLayers);
            }
        }
    }

    static FineTuning none() {
        return new None();
    }
}
