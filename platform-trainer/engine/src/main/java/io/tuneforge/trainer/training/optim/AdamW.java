package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * AdamW exactly as PyTorch's {@code torch.optim.AdamW} (single-tensor path), step for step:
 * <pre>
 *   t += 1
 *   p  -= lr * wd * p                              (decoupled weight decay, before the moments)
 *   m   = beta1 * m + (1 - beta1) * g
 *   v   = beta2 * v + (1 - beta2) * g * g
 *   denom = sqrt(v) / sqrt(1 - beta2^t) + eps      (epsilon after the bias correction, as PyTorch)
 *   p  -= lr / (1 - beta1^t) * m / denom
 * </pre>
 * DJL's built-in AdamW adds epsilon before the bias correction, which drifts from PyTorch. The moments live in
 * fp32 in a manager owned by this optimizer; every temporary of a step is closed before {@link #step} returns.
 * Runs outside any gradient collector (no autograd), so the in-place updates of leaf parameters are allowed.
 * Each parameter's learning rate and weight decay come from its {@link ParameterGroups} settings ({@code lr} above
 * is the scheduled rate times the group's scale).
 */
public final class AdamW implements ParameterOptimizer {

    private final AdamWConfig config;
    private final SequencedMap<String, NDArray> parameters;
    private final NDManager stateManager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private final Map<String, ParameterGroups.Settings> settings = new LinkedHashMap<>();
    private long stepCount;

    /**
     * @param parameters the trainable parameters by stable name (updated in place)
     * @param config     betas, epsilon, weight decay
     * @param parent     a long-lived manager under which the moment buffers are allocated
     */
    public AdamW(SequencedMap<String, NDArray> parameters, AdamWConfig config, NDManager parent) {
        this(parameters, config, null, parent);
    }

    /**
     * @param parameters the trainable parameters by stable name (updated in place)
     * @param config     betas and epsilon (its weight decay is replaced by the groups')
     * @param groups     per-parameter learning-rate scale and weight decay; null: the config's decay everywhere
     * @param parent     a long-lived manager under which the moment buffers are allocated
     */
    public AdamW(SequencedMap<String, NDArray> parameters, AdamWConfig config, ParameterGroups groups,
                 NDManager parent) {
        this.config = config;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            settings.put(e.getKey(), groups == null ? new ParameterGroups.Settings(1.0, config.weightDecay())
                    : groups.settings(e.getKey(), e.getValue().getShape().dimension()));
        }
        this.parameters = parameters;
        this.stateManager = parent.newSubManager();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray p = e.getValue();
            expAvg.put(e.getKey(), stateManager.zeros(p.getShape(), p.getDataType()));
            expAvgSq.put(e.getKey(), stateManager.zeros(p.getShape(), p.getDataType()));
        }
    }

    @Override
    public long stepCount() {
        return stepCount;
    }

    /**
     * One update of every parameter with its gradient.
     *
     * @param gradients    gradient per parameter name (same shapes as the parameters)
     * @param learningRate the learning rate of this update (from the schedule)
     */
    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        stepCount++;
        double biasCorrection1 = 1.0 - Math.pow(config.beta1(), stepCount);
        double biasCorrection2 = 1.0 - Math.pow(config.beta2(), stepCount);
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        try (NDManager scope = stateManager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray grad = gradients.get(e.getKey());
                if (grad == null) {
                    throw new IllegalStateException("No gradient for trainable parameter " + e.getKey());
                }
                ParameterGroups.Settings group = settings.get(e.getKey());
                double lr = learningRate * group.learningRateScale();
                update(scope, e.getValue(), grad, expAvg.get(e.getKey()), expAvgSq.get(e.getKey()),
                        lr, group.weightDecay(), lr / biasCorrection1, biasCorrection2Sqrt);
            }
        }
    }

    private void update(NDManager scope, NDArray p, NDArray g, NDArray m, NDArray v,
                        double lr, double weightDecay, double stepSize, double biasCorrection2Sqrt) {
        DataType type = p.getDataType();
        if (weightDecay != 0.0) {
            p.muli(scalar(scope, 1.0 - lr * weightDecay, type));
        }
        m.muli(scalar(scope, config.beta1(), type));
        try (NDArray scaled = g.mul(scalar(scope, 1.0 - config.beta1(), type))) {
            m.addi(scaled);
        }
        v.muli(scalar(scope, config.beta2(), type));
        try (NDArray sq = g.mul(g)) {
            sq.muli(scalar(scope, 1.0 - config.beta2(), type));
            v.addi(sq);
        }
        try (NDArray denom = v.sqrt()) {
            denom.divi(scalar(scope, biasCorrection2Sqrt, type));
            denom.addi(scalar(scope, config.epsilon(), type));
            try (NDArray delta = m.div(denom)) {
                delta.muli(scalar(scope, stepSize, type));
                p.subi(delta);
            }
        }
    }

    private static NDArray scalar(NDManager scope, double value, DataType type) {
        return scope.full(new Shape(), (float) value, type);
    }

    /** The moments by key {@code exp_avg.<name>} / {@code exp_avg_sq.<name>}, for checkpoints (live arrays). */
    @Override
    public SequencedMap<String, NDArray> state() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            out.put("exp_avg." + name, expAvg.get(name));
            out.put("exp_avg_sq." + name, expAvgSq.get(name));
        }
        return out;
    }

    /** Restores the moments (as written by {@link #state()}) and the update count from a checkpoint. */
    @Override
    public void restore(Map<String, NDArray> state, long restoredStepCount) {
        for (String name : parameters.keySet()) {
            ParameterOptimizer.copyInto(expAvg.get(name), state.get("exp_avg." + name), "exp_avg." + name);
            ParameterOptimizer.copyInto(expAvgSq.get(name), state.get("exp_avg_sq." + name), "exp_avg_sq." + name);
        }
        this.stepCount = restoredStepCount;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
