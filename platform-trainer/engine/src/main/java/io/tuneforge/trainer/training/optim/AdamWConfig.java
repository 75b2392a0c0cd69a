package io.tuneforge.trainer.training.optim;

/**
 * AdamW hyper-parameters (PyTorch names and defaults, as Hugging Face's {@code adam_*} arguments).
 *
 * @param beta1       decay of the first moment ({@code adam_beta1}, 0.9)
 * @param beta2       decay of the second moment ({@code adam_beta2}, 0.999)
 * @param epsilon     added to the bias-corrected root of the second moment ({@code adam_epsilon}, 1e-8)
 * @param weightDecay decoupled weight decay ({@code weight_decay}, 0.0 in Hugging Face, 0.01 in plain PyTorch)
 */
public record AdamWConfig(double beta1, double beta2, double epsilon, double weightDecay) {

    public AdamWConfig {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("adam_epsilon must be > 0 and weight_decay >= 0, got "
                    + epsilon + ", " + weightDecay);
        }
    }

    /** Hugging Face Trainer defaults with the given weight decay. */
    public static AdamWConfig withWeightDecay(double weightDecay) {
        return new AdamWConfig(0.9, 0.999, 1e-8, weightDecay);
    }
}
