package io.tuneforge.trainer.training.kto;

/**
 * KTO's settings (LLaMA-Factory's names and defaults).
 *
 * @param beta              {@code pref_beta}: β, the scale of the implicit reward {@code β·(log π − log ref)} (0.1)
 * @param ftx               {@code pref_ftx}: weight of the added SFT term on desirable answers (0: none)
 * @param desirableWeight   {@code kto_chosen_weight}: weight of a desirable example's loss (1.0)
 * @param undesirableWeight {@code kto_rejected_weight}: weight of an undesirable example's loss (1.0)
 */
public record KtoConfig(double beta, double ftx, double desirableWeight, double undesirableWeight) {

    public KtoConfig {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("pref_beta must be above 0, got " + beta);
        }
        if (!(ftx >= 0) || !Double.isFinite(ftx)) {
            throw new IllegalArgumentException("pref_ftx must be 0 or more, got " + ftx);
        }
        if (!(desirableWeight > 0) || !Double.isFinite(desirableWeight)) {
            throw new IllegalArgumentException("kto_chosen_weight must be above 0, got " + desirableWeight);
        }
        if (!(undesirableWeight > 0) || !Double.isFinite(undesirableWeight)) {
            throw new IllegalArgumentException("kto_rejected_weight must be above 0, got " + undesirableWeight);
        }
    }

    /** LLaMA-Factory's defaults: β 0.1, no SFT term, both weights 1. */
    public static KtoConfig defaults() {
        return new KtoConfig(0.1, 0.0, 1.0, 1.0);
    }
}
