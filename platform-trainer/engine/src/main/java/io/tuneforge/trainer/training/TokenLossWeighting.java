package io.tuneforge.trainer.training;

/**
 * How each target token's negative log-likelihood is weighted in the training loss, as LLaMA-Factory's
 * {@code compute_loss_func} options ({@code train/trainer_utils.py}). Weights are constants for autograd (computed
 * under {@code torch.no_grad()} there, detached here); the weighted sum is divided by the step's target tokens
 * ({@code num_items_in_batch}), as the plain loss is.
 */
public sealed interface TokenLossWeighting {

    /** Plain cross-entropy: every token weighs 1. */
    record None() implements TokenLossWeighting {
    }

    /**
     * DFT, Dynamic Fine-Tuning (Wu et al., 2025; {@code use_dft_loss}): each token's NLL is weighted by the model's
     * own probability of the target, {@code p = exp(-nll)}, so the loss is {@code Σ p·(-log p) / N}.
     */
    record Dft() implements TokenLossWeighting {
    }

    /**
     * EAFT, entropy-adaptive fine-tuning ({@code use_eaft_loss}, {@code eaft_alpha}): each token's NLL is weighted by
     * {@code (H / 3)^alpha}, H the entropy of the softmax over the position's 20 largest logits (all logits when the
     * vocabulary is smaller).
     *
     * @param alpha the exponent ({@code eaft_alpha}, 1.0)
     */
    record Eaft(double alpha) implements TokenLossWeighting {

        /** LLaMA-Factory's number of top logits the entropy is approximated from. */
        public static final int TOP_K = 20;

        public Eaft {
            if (!(alpha > 0) || !Double.isFinite(alpha)) {
                throw new TrainingConfigException("eaft_alpha must be a number > 0, got " + alpha);
            }
        }
    }

    /**
     * ASFT, anchored supervised fine-tuning ({@code use_asft_loss}, {@code asft_alpha}; LLaMA-Factory's
     * {@code asft_loss_func}): DFT's weighted NLL plus {@code alpha} times each target position's
     * {@code KL(q‖p) = Σ_v q_v (log q_v − log p_v)}, q the frozen reference model's softmax (LoRA: the adapters
     * switched off; full and freeze: a frozen copy of the starting model), p the model's. Both terms are summed over
     * the target positions and divided by the step's target tokens, as the plain loss.
     *
     * @param alpha the KL term's weight ({@code asft_alpha}, 0.1)
     */
    record Asft(double alpha) implements TokenLossWeighting {

        public Asft {
            if (!(alpha >= 0) || !Double.isFinite(alpha)) {
                throw new TrainingConfigException("asft_alpha must be a number >= 0, got " + alpha);
            }
        }
    }

    /** Whether the loss compares with a frozen reference model's predictions (ASFT). */
    default boolean needsReference() {
        return this instanceof Asft;
    }

    /** Plain cross-entropy. */
    static TokenLossWeighting none() {
        return new None();
    }
}
