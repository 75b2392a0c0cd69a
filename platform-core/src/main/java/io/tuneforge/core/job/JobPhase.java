package io.tuneforge.core.job;

import java.util.Locale;
import java.util.Optional;

/**
 * The long phases of a running job, in the order a worker goes through them; each reports its own progress and end
 * estimate ({@link PhaseProgress}). Evaluating interrupts training at every evaluation.
 */
public enum JobPhase {
    /** Optimizer steps. */
    TRAINING("steps"),
    /** The validation loss during training. */
    EVALUATING("samples"),
    /** The adapter merged into the base model (or the trained model packaged). */
    MERGING("tensors"),
    /** Held-out answers of the base and the tuned model. */
    PREDICTING("answers"),
    /** The merged model written as GGUF. */
    EXPORTING_GGUF("tensors");

    private final String unit;

    JobPhase(String unit) {
        this.unit = unit;
    }

    /** What the phase counts: steps, samples, tensors or answers. */
    public String unit() {
        return unit;
    }

    /** The name in the API and the database: {@code training}, {@code exporting_gguf}, ... */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Words for the UI: "exporting GGUF", "predicting", ... */
    public String label() {
        return this == EXPORTING_GGUF ? "exporting GGUF" : apiName();
    }

    /** The phase of a stored name; empty for none or an unknown one. */
    public static Optional<JobPhase> fromApiName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (JobPhase phase : values()) {
            if (phase.apiName().equals(name)) {
                return Optional.of(phase);
            }
        }
        return Optional.empty();
    }
}
