package io.tuneforge.trainer.training.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * TRL's {@code PPOTrainer.loss} over the response tokens of a mini-batch (flattened to N positions), every scalar a
 * libtorch array (no Java {@code Number} under autograd):
 * <ul>
 *   <li>value: {@code vclip = clip(v, v_old − ε_v, v_old + ε_v)},
 *       {@code L_V = ½·mean(max((v − R)², (vclip − R)²))}</li>
 *   <li>policy: {@code ρ = exp(logπ − logπ_old)}, {@code L_π = mean(max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)))}</li>
 *   <li>total {@code L_π + vf_coef·L_V}</li>
 * </ul>
 */
public final class PpoLoss {

    private PpoLoss() {
    }

    /** The two losses of a mini-batch and their weighted sum. */
    public record Losses(NDArray policy, NDArray value, NDArray total) {
    }

    /**
     * @param logProbs    (N,) the policy's log-probabilities now (gradient)
     * @param oldLogProbs (N,) at rollout time
     * @param values      (N,) the critic's values now (gradient)
     * @param oldValues   (N,) at rollout time
     * @param advantages  (N,) whitened GAE advantages
     * @param returns     (N,) GAE returns
     */
    public static Losses of(NDManager step, NDArray logProbs, NDArray oldLogProbs, NDArray values, NDArray oldValues,
            NDArray advantages, NDArray returns, PpoConfig config) {
        NDArray low = own(step, oldValues.sub(scalar(step, config.clipRangeValue())));          // (N,)
        NDArray high = own(step, oldValues.add(scalar(step, config.clipRangeValue())));         // (N,)
        NDArray clippedValues = own(step, NDArrays.minimum(own(step, NDArrays.maximum(values, low)), high)); // (N,)
        NDArray valueError = own(step, own(step, values.sub(returns)).square());                // (N,)
        NDArray clippedError = own(step, own(step, clippedValues.sub(returns)).square());       // (N,)
        NDArray valueLoss = own(step, own(step, NDArrays.maximum(valueError, clippedError).mean())
                .mul(scalar(step, 0.5)));                                                         // ()
        NDArray ratio = own(step, own(step, logProbs.sub(oldLogProbs)).exp());                  // (N,)
        NDArray clippedRatio = own(step, NDArrays.minimum(own(step, NDArrays.maximum(ratio,
                scalar(step, 1 - config.clipRange()))), scalar(step, 1 + config.clipRange())));  // (N,)
        NDArray negAdvantages = own(step, advantages.neg());                                     // (N,)
        NDArray unclipped = own(step, negAdvantages.mul(ratio));                                 // (N,)
        NDArray clipped = own(step, negAdvantages.mul(clippedRatio));                            // (N,)
        NDArray policyLoss = own(step, own(step, NDArrays.maximum(unclipped, clipped)).mean());  // ()
        NDArray total = own(step, policyLoss.add(own(step, valueLoss.mul(scalar(step, config.valueCoef())))));
        return new Losses(policyLoss, valueLoss, total);
    }

    private static NDArray scalar(NDManager step, double value) {
        return step.full(new Shape(), (float) value);
    }

    private static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
