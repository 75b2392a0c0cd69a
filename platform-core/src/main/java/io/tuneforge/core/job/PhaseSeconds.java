package io.tuneforge.core.job;

/**
 * The pre-flight estimate of each phase's duration, in seconds.
 *
 * @param training    optimizer steps
 * @param evaluation  the validation losses (once per epoch by default)
 * @param merging     the merged model written (LoRA: base + adapter)
 * @param predicting  held-out answers of the base and the tuned model
 * @param exporting   the GGUF export, when asked (0 otherwise)
 * @param calibrated  true when at least one phase used a speed measured by a worker (else FLOP-based defaults)
 */
public record PhaseSeconds(long training, long evaluation, long merging, long predicting, long exporting,
        boolean calibrated) {

    /** All phases together. */
    public long total() {
        return training + evaluation + merging + predicting + exporting;
    }
}
