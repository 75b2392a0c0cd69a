package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Plain stochastic gradient descent as PyTorch's {@code torch.optim.SGD} with Hugging Face's {@code optim: sgd}
 * arguments (no momentum, no dampening, no Nesterov), so it keeps no state at all:
 * <pre>
 *   d = g + wd * p        (L2 weight decay, coupled into the gradient, as PyTorch's SGD)
 *   p -= lr * d
 * </pre>
 */
public final class Sgd implements ParameterOptimizer {

    private final SequencedMap<String, NDArray> parameters;
    private final Map<String, ParameterGroups.Settings> settings = new LinkedHashMap<>();
    private final NDManager scopeParent;
    private long stepCount;

    /**
     * @param parameters the trainable parameters by stable name (updated in place)
     * @param groups     per-parameter learning-rate scale and weight decay
     * @param parent     manager under which each step's temporaries are allocated
     */
    public Sgd(SequencedMap<String, NDArray> parameters, ParameterGroups groups, NDManager parent) {
        this.parameters = parameters;
        this.scopeParent = parent.newSubManager();
        parameters.forEach((name, p) -> settings.put(name, groups.settings(name, p.getShape().dimension())));
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        stepCount++;
        try (NDManager scope = scopeParent.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = gradients.get(e.getKey());
                if (g == null) {
                    throw new IllegalStateException("No gradient for trainable parameter " + e.getKey());
                }
                ParameterGroups.Settings group = settings.get(e.getKey());
                NDArray d = g;
                if (group.weightDecay() != 0.0) {
                    d = g.add(p.mul(scalar(scope, group.weightDecay(), p)));
                    d.attach(scope);
                }
                NDArray delta = d.mul(scalar(scope, learningRate * group.learningRateScale(), p));
                delta.attach(scope);
                p.subi(delta);
            }
        }
    }

    private static NDArray scalar(NDManager scope, double value, NDArray like) {
        return scope.full(new Shape(), (float) value, like.getDataType());
    }

    @Override
    public long stepCount() {
        return stepCount;
    }

    /** Plain SGD has no state. */
    @Override
    public SequencedMap<String, NDArray> state() {
        return new LinkedHashMap<>();
    }

    @Override
    public void restore(Map<String, NDArray> state, long restoredStepCount) {
        this.stepCount = restoredStepCount;
    }

    @Override
    public void close() {
        scopeParent.close();
    }
}
