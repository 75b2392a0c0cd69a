package io.tuneforge.trainer.training.preference;

/**
 * Preference training's settings (LLaMA-Factory's names and defaults).
 *
 * @param loss           {@code pref_loss}: which preference loss
 * @param beta           {@code pref_beta}: β, the inverse temperature of the implicit reward (default 0.1)
 * @param ftx            {@code pref_ftx}: weight of the added SFT term {@code −π_c / |response|} (default 0)
 * @param simpoGamma     {@code simpo_gamma}: SimPO's target reward margin γ (default 0.5)
 * @param labelSmoothing {@code dpo_label_smoothing}: cDPO's ε, sigmoid loss only, in [0, 0.5] (default 0)
 */
public record PreferenceConfig(PreferenceLoss loss, double beta, double ftx, double simpoGamma,
        double labelSmoothing) {

    public PreferenceConfig {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("pref_beta must be above 0, got " + beta);
        }
        if (!(ftx >= 0) || !Double.isFinite(ftx)) {
            throw new IllegalArgumentException("pref_ftx must be 0 or more, got " + ftx);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing <= 0.5)) {
            throw new IllegalArgumentException("dpo_label_smoothing must be between 0 and 0.5, got " + labelSmoothing);
        }
        if (labelSmoothing > 1e-6 && loss != PreferenceLoss.SIGMOID) {
            throw new IllegalArgumentException("dpo_label_smoothing is only valid with pref_loss sigmoid (got "
                    + loss.configName() + ")");
        }
    }

    /** LLaMA-Factory's defaults with the given loss. */
    public static PreferenceConfig defaults(PreferenceLoss loss) {
        return new PreferenceConfig(loss, 0.1, 0.0, 0.5, 0.0);
    }
}
