package io.tuneforge.trainer.training.ppo;

/**
 * TRL's {@code AdaptiveKLController} (Ziegler et al., 2019): after each PPO step the KL coefficient is multiplied by
 * {@code 1 + clip(kl/target − 1, −0.2, 0.2) · n/horizon}, n the rollouts of the step.
 */
public final class AdaptiveKlController {

    private final double target;
    private final double horizon;
    private double value;

    public AdaptiveKlController(double initKlCoef, double target, double horizon) {
        this.value = initKlCoef;
        this.target = target;
        this.horizon = horizon;
    }

    /** The current coefficient β of the KL penalty. */
    public double value() {
        return value;
    }

    /** Sets the coefficient a checkpoint saved (a resumed run continues from it). */
    void restore(double saved) {
        value = saved;
    }

    /** Updates the coefficient with the step's mean KL over {@code rollouts} rollouts. */
    public void update(double currentKl, int rollouts) {
        double error = Math.max(-0.2, Math.min(0.2, currentKl / target - 1));
        value *= 1 + error * rollouts / horizon;
    }
}
