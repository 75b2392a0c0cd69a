package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The per-pair preference losses of {@link PreferenceLoss} from summed response log-probabilities, as LLaMA-Factory's
 * {@code CustomDPOTrainer.get_batch_loss_metrics} computes them: log-probabilities are length-averaged for ipo, orpo
 * and simpo (the reference's too), the rewards are {@code β·(π − ref)} (with a reference) or {@code β·π} (without),
 * and {@code pref_ftx} adds {@code ftx·(−π_c / |response_c|)}. Every scalar is a libtorch array (no Java
 * {@code Number} under autograd).
 */
public final class PreferenceObjective {

    private final PreferenceConfig config;

    public PreferenceObjective(PreferenceConfig config) {
        this.config = config;
    }

    public PreferenceConfig config() {
        return config;
    }

    /**
     * Summed response log-probabilities of B pairs under one model.
     *
     * @param chosen   (B,) log π(chosen | prompt), summed over the chosen response's tokens
     * @param rejected (B,) the same for the rejected response
     */
    public record LogProbs(NDArray chosen, NDArray rejected) {
    }

    /**
     * The losses of a batch and what {@code trainer_log.jsonl} reports about it.
     *
     * @param losses          (B,) the loss of each pair (differentiable)
     * @param chosenRewards   the implicit reward of each chosen answer (detached)
     * @param rejectedRewards the implicit reward of each rejected answer
     * @param chosenLogps     the policy's log-probability of each chosen answer (averaged per token for ipo/orpo/simpo)
     * @param rejectedLogps   the same for each rejected answer
     * @param kl              KTO only: the batch's KL estimate (then the answers are unpaired: chosen and rejected
     *                        hold the desirable and the undesirable examples, in any numbers)
     */
    public record PairLosses(NDArray losses, double[] chosenRewards, double[] rejectedRewards, double[] chosenLogps,
            double[] rejectedLogps, OptionalDouble kl) {

        /** Losses of preference pairs (chosen[i] and rejected[i] belong together). */
        public PairLosses(NDArray losses, double[] chosenRewards, double[] rejectedRewards, double[] chosenLogps,
                double[] rejectedLogps) {
            this(losses, chosenRewards, rejectedRewards, chosenLogps, rejectedLogps, OptionalDouble.empty());
        }

        /** Whether chosen and rejected are unpaired KTO examples. */
        public boolean unpaired() {
            return kl.isPresent();
        }
    }

    /**
     * @param step           receives every intermediate
     * @param policy         the trained model's summed log-probabilities (carry the gradient)
     * @param reference      the reference model's (no gradient); required when the loss {@link
     *                       PreferenceLoss#usesReference() uses one}
     * @param chosenTokens   response length of each chosen answer (B)
     * @param rejectedTokens response length of each rejected answer (B)
     */
    public PairLosses losses(NDManager step, LogProbs policy, Optional<LogProbs> reference, long[] chosenTokens,
            long[] rejectedTokens) {
        PreferenceLoss loss = config.loss();
        DataType type = policy.chosen().getDataType();
        NDArray chosenLength = lengths(step, chosenTokens, type);                          // (B,)
        NDArray rejectedLength = lengths(step, rejectedTokens, type);                      // (B,)
        NDArray chosenAverage = own(step, policy.chosen().div(chosenLength));              // (B,)
        NDArray pc = loss.averagesOverTokens() ? chosenAverage : policy.chosen();          // (B,)
        NDArray pr = loss.averagesOverTokens() ? own(step, policy.rejected().div(rejectedLength))
                : policy.rejected();                                                         // (B,)
        NDArray beta = scalar(step, config.beta(), type);                                   // ()
        NDArray losses;
        NDArray chosenRewards;
        NDArray rejectedRewards;
        if (loss.usesReference()) {
            LogProbs ref = reference.orElseThrow(() -> new IllegalArgumentException("pref_loss "
                    + loss.configName() + " needs the reference model's log-probabilities"));
            NDArray rc = loss.averagesOverTokens() ? own(step, ref.chosen().div(chosenLength)) : ref.chosen();
            NDArray rr = loss.averagesOverTokens() ? own(step, ref.rejected().div(rejectedLength)) : ref.rejected();
            NDArray z = own(step, own(step, pc.sub(pr)).sub(own(step, rc.sub(rr))));    // (B,)
            losses = switch (loss) {
                case SIGMOID -> sigmoid(step, z, beta, type);
                case HINGE -> own(step, Activation.relu(own(step, scalar(step, 1, type).sub(own(step, z.mul(beta))))));
                case IPO -> own(step, own(step, z.sub(scalar(step, 1 / (2 * config.beta()), type))).square());
                default -> throw new IllegalStateException(loss.configName());
            };
            chosenRewards = own(step, own(step, pc.sub(rc)).mul(beta));
            rejectedRewards = own(step, own(step, pr.sub(rr)).mul(beta));
        } else {
            losses = switch (loss) {
                case ORPO -> orpo(step, pc, pr, beta, type);
                case SIMPO -> {
                    NDArray margin = own(step, own(step, pc.sub(pr))
                            .sub(scalar(step, config.simpoGamma() / config.beta(), type)));   // (B,)
                    yield logSigmoidNeg(step, own(step, margin.mul(beta)));
                }
                default -> throw new IllegalStateException(loss.configName());
            };
            chosenRewards = own(step, pc.mul(beta));
            rejectedRewards = own(step, pr.mul(beta));
        }
        if (config.ftx() > 1e-6) {
            NDArray sft = own(step, chosenAverage.neg());                                   // (B,)
            losses = own(step, losses.add(own(step, sft.mul(scalar(step, config.ftx(), type)))));
        }
        return new PairLosses(losses, values(step, chosenRewards), values(step, rejectedRewards), values(step, pc),
                values(step, pr));
    }

    /** cDPO: {@code −(1−ε)·log σ(βz) − ε·log σ(−βz)}. */
    private NDArray sigmoid(NDManager step, NDArray z, NDArray beta, DataType type) {
        NDArray scaled = own(step, z.mul(beta));                                              // (B,)
        NDArray loss = logSigmoidNeg(step, scaled);                                           // −log σ(βz)
        double eps = config.labelSmoothing();
        if (eps <= 0) {
            return loss;
        }
        NDArray opposite = logSigmoidNeg(step, own(step, scaled.neg()));                     // −log σ(−βz)
        return own(step, own(step, loss.mul(scalar(step, 1 - eps, type)))
                .add(own(step, opposite.mul(scalar(step, eps, type)))));
    }

    /** ORPO: {@code −π_c + β·(−log σ((π_c − π_r) − (log(1 − e^{π_c}) − log(1 − e^{π_r}))))}. */
    private static NDArray orpo(NDManager step, NDArray pc, NDArray pr, NDArray beta, DataType type) {
        NDArray one = scalar(step, 1, type);
        NDArray log1mExpC = own(step, own(step, one.sub(own(step, pc.exp()))).log());       // (B,)
        NDArray log1mExpR = own(step, own(step, one.sub(own(step, pr.exp()))).log());       // (B,)
        NDArray logOdds = own(step, own(step, pc.sub(pr)).sub(own(step, log1mExpC.sub(log1mExpR)))); // (B,)
        NDArray oddsRatioLoss = logSigmoidNeg(step, logOdds);                                // (B,)
        return own(step, own(step, pc.neg()).add(own(step, oddsRatioLoss.mul(beta))));
    }

    /** {@code −log σ(x) = softplus(−x)} (PyTorch's softplus switches to the identity above 20, as F.logsigmoid). */
    private static NDArray logSigmoidNeg(NDManager step, NDArray x) {
        return own(step, Activation.softPlus(own(step, x.neg())));
    }

    private static NDArray lengths(NDManager step, long[] tokens, DataType type) {
        float[] values = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            values[i] = Math.max(1, tokens[i]);
        }
        NDArray array = step.create(values, new Shape(values.length));
        return type == DataType.FLOAT32 ? array : own(step, array.toType(type, false));
    }

    private static NDArray scalar(NDManager step, double value, DataType type) {
        return step.full(new Shape(), (float) value, type);
    }

    private static double[] values(NDManager step, NDArray array) {
        NDArray asDouble = own(step, array.toType(DataType.FLOAT64, false));
        return asDouble.toDoubleArray();
    }

    private static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
