package io.tuneforge.trainer.training.kto;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.preference.PairObjective;
import io.tuneforge.trainer.training.preference.PreferenceBatch;
import io.tuneforge.trainer.training.preference.PreferenceObjective;
import io.tuneforge.trainer.training.preference.ReferenceModel;
import io.tuneforge.trainer.training.preference.SequenceLogProbs;

import java.util.OptionalDouble;

/**
 * KTO (stage kto), TRL's {@code KTOTrainer} with {@code loss_type="kto"} as LLaMA-Factory's {@code CustomKTOTrainer}
 * runs it. For a batch of B examples with completion log-probabilities {@code π} (summed over answer tokens),
 * the reference's {@code ref}, and the log-ratio {@code r = π − ref}:
 * <ul>
 *   <li>KL estimate from the mismatched rows (prompt i with the answer of example i−1):
 *       {@code kl = max(0, mean_i(π_KL − ref_KL))}, detached; the policy's mismatched rows run without gradient</li>
 *   <li>desirable: {@code w_d·(1 − σ(β·(r − kl)))}; undesirable: {@code w_u·(1 − σ(β·(kl − r)))}
 *       ({@code kto_chosen_weight}, {@code kto_rejected_weight})</li>
 *   <li>{@code pref_ftx}: LLaMA-Factory adds {@code ftx · mean_c(−π_c/|c|) / n_c · B} to the batch mean, i.e.
 *       {@code ftx · B²/n_c² · (−π_c/|c|)} to each desirable example's loss of the summed form</li>
 *   <li>rewards {@code β·r} (detached), reported per kind: TRL's {@code rewards/chosen} over desirable and
 *       {@code rewards/rejected} over undesirable examples, {@code logps/*} likewise, and {@code kl}</li>
 * </ul>
 * The trainer sums the returned per-example losses and divides by the examples of the step (the batch mean of TRL).
 */
public final class KtoObjective implements PairObjective {

    private final KtoConfig config;
    private final ReferenceModel reference;

    /**
     * @param config    β, weights and SFT term
     * @param reference the reference model (adapters off for LoRA, a frozen copy otherwise)
     */
    public KtoObjective(KtoConfig config, ReferenceModel reference) {
        this.config = config;
        this.reference = reference;
    }

    public KtoConfig config() {
        return config;
    }

    @Override
    public PreferenceObjective.PairLosses losses(NDManager step, TrainableModel model, PreferenceBatch batch,
            int chunkTokens, boolean training) {
        if (!batch.isKto()) {
            throw new IllegalArgumentException("stage kto trains on KTO examples (rows with a kto_tag), not on "
                    + "preference pairs");
        }
        int b = batch.pairs();
        NDArray ref = reference.logProbs(step, batch.rows(), chunkTokens);                    // (2B,)
        NDArray refCompletion = own(step, ref.get(new NDIndex("0:{}", b)));                    // (B,)
        NDArray refMismatched = own(step, ref.get(new NDIndex("{}:", b)));                     // (B,)
        double kl = klEstimate(step, model, batch.secondRows(), refMismatched, chunkTokens);
        Batch completions = batch.firstRows();
        NDArray hidden = model.hiddenStates(step, completions.inputIdsArray(step), training);  // (B, T, C)
        NDArray logps = SequenceLogProbs.sum(step, hidden, model.lmHeadWeight(), completions, chunkTokens); // (B,)
        DataType type = logps.getDataType();
        NDArray ratio = own(step, logps.sub(refCompletion));                                    // (B,) r
        NDArray centred = own(step, ratio.sub(scalar(step, kl, type)));                          // (B,) r − kl
        NDArray signed = own(step, centred.mul(vector(step, signs(batch.desirable()), type)));   // (B,) ±(r − kl)
        NDArray scaled = own(step, signed.mul(scalar(step, config.beta(), type)));              // (B,)
        NDArray lossPerExample = own(step, Activation.sigmoid(own(step, scaled.neg())));        // 1 − σ(x) = σ(−x)
        NDArray losses = own(step, lossPerExample.mul(vector(step, weights(batch.desirable()), type))); // (B,)
        if (config.ftx() > 1e-6) {
            losses = withSftTerm(step, losses, logps, SequenceLogProbs.counts(completions), batch.desirable(), type);
        }
        double[] rewards = values(step, own(step, ratio.mul(scalar(step, config.beta(), type))));
        double[] policy = values(step, logps);
        return new PreferenceObjective.PairLosses(losses, pick(rewards, batch.desirable(), true),
                pick(rewards, batch.desirable(), false), pick(policy, batch.desirable(), true),
                pick(policy, batch.desirable(), false), OptionalDouble.of(kl));
    }

    /** {@code max(0, mean(π_KL − ref_KL))} over the mismatched rows; the policy's pass records no gradient. */
    private static double klEstimate(NDManager step, TrainableModel model, Batch mismatched, NDArray refMismatched,
            int chunkTokens) {
        try (GradMode off = GradMode.disabled()) {
            NDArray hidden = model.hiddenStates(step, mismatched.inputIdsArray(step), false);  // (B, T, C)
            NDArray policy = SequenceLogProbs.sum(step, hidden, model.lmHeadWeight(), mismatched, chunkTokens); // (B,)
            double[] p = values(step, policy);
            double[] r = values(step, refMismatched);
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                sum += p[i] - r[i];
            }
            return Math.max(0, sum / p.length);
        }
    }

    /** LLaMA-Factory's rescaled SFT term: {@code ftx · B²/n_c² · (−π_c/|c|)} on each desirable example. */
    private NDArray withSftTerm(NDManager step, NDArray losses, NDArray logps, long[] answerTokens,
            boolean[] desirable, DataType type) {
        int chosen = 0;
        for (boolean d : desirable) {
            chosen += d ? 1 : 0;
        }
        if (chosen == 0) {
            return losses;
        }
        double scale = config.ftx() * desirable.length * (double) desirable.length / ((double) chosen * chosen);
        float[] factor = new float[desirable.length];
        for (int i = 0; i < factor.length; i++) {
            factor[i] = desirable[i] ? (float) (-scale / Math.max(1, answerTokens[i])) : 0f;
        }
        NDArray sft = own(step, logps.mul(vector(step, factor, type)));                         // (B,)
        return own(step, losses.add(sft));
    }

    private static float[] signs(boolean[] desirable) {
        float[] s = new float[desirable.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = desirable[i] ? 1f : -1f;
        }
        return s;
    }

    private float[] weights(boolean[] desirable) {
        float[] w = new float[desirable.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (desirable[i] ? config.desirableWeight() : config.undesirableWeight());
        }
        return w;
    }

    private static double[] pick(double[] values, boolean[] desirable, boolean kind) {
        int n = 0;
        for (boolean d : desirable) {
            n += d == kind ? 1 : 0;
        }
        double[] out = new double[n];
        for (int i = 0, j = 0; i < values.length; i++) {
            if (desirable[i] == kind) {
                out[j++] = values[i];
            }
        }
        return out;
    }

    private static NDArray vector(NDManager step, float[] values, DataType type) {
        NDArray array = step.create(values, new Shape(values.length));
        return type == DataType.FLOAT32 ? array : own(step, array.toType(type, false));
    }

    private static NDArray scalar(NDManager step, double value, DataType type) {
        return step.full(new Shape(), (float) value, type);
    }

    private static double[] values(NDManager step, NDArray array) {
        return own(step, array.toType(DataType.FLOAT64, false)).toDoubleArray();
    }

    private static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
