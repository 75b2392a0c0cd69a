package io.tuneforge.trainer.training.ppo;

/**
 * PPO's settings: LLaMA-Factory's keys and the TRL {@code PPOConfig} defaults it leaves in place.
 *
 * @param ppoEpochs      {@code ppo_epochs}: optimisation passes over each batch of rollouts (4)
 * @param bufferSize     {@code ppo_buffer_size}: mini-batches of {@code per_device_train_batch_size ×
 *                       gradient_accumulation_steps} rollouts per PPO step (1)
 * @param target         {@code ppo_target}: the adaptive KL controller's target KL (6.0)
 * @param scoreNorm      {@code ppo_score_norm}: normalise scores by their running mean and standard deviation
 * @param whitenRewards  {@code ppo_whiten_rewards}: whiten the per-token rewards before GAE
 * @param initKlCoef     TRL's {@code init_kl_coef}: the starting KL penalty coefficient (0.2)
 * @param horizon        TRL's {@code horizon} of the adaptive controller (10000)
 * @param gamma          TRL's discount γ (1.0)
 * @param lam            TRL's GAE λ (0.95)
 * @param clipRange      TRL's {@code cliprange} ε of the policy ratio (0.2)
 * @param clipRangeValue TRL's {@code cliprange_value} of the value prediction (0.2)
 * @param valueCoef      TRL's {@code vf_coef}, the value loss weight (0.1)
 */
public record PpoConfig(int ppoEpochs, int bufferSize, double target, boolean scoreNorm, boolean whitenRewards,
        double initKlCoef, double horizon, double gamma, double lam, double clipRange, double clipRangeValue,
        double valueCoef) {

    public PpoConfig {
        if (ppoEpochs < 1) {
            throw new IllegalArgumentException("ppo_epochs must be at least 1, got " + ppoEpochs);
        }
        if (bufferSize < 1) {
            throw new IllegalArgumentException("ppo_buffer_size must be at least 1, got " + bufferSize);
        }
        if (!(target > 0)) {
            throw new IllegalArgumentException("ppo_target must be above 0, got " + target);
        }
    }

    /** LLaMA-Factory's keys with TRL's remaining defaults. */
    public static PpoConfig of(int ppoEpochs, int bufferSize, double target, boolean scoreNorm,
            boolean whitenRewards) {
        return new PpoConfig(ppoEpochs, bufferSize, target, scoreNorm, whitenRewards, 0.2, 10000, 1.0, 0.95, 0.2, 0.2,
                0.1);
    }

    /** The same settings with another starting KL coefficient. */
    public PpoConfig withInitKlCoef(double coef) {
        return new PpoConfig(ppoEpochs, bufferSize, target, scoreNorm, whitenRewards, coef, horizon, gamma, lam,
                clipRange, clipRangeValue, valueCoef);
    }
}
