package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;

import java.util.Map;
import java.util.SequencedMap;

/**
 * An optimizer over named parameters, updated in place outside any gradient collector. Its state (moments,
 * factored second moments, ...) lives in its own manager and is saved in checkpoints under stable keys.
 */
public sealed interface ParameterOptimizer extends AutoCloseable permits AdamW, AdamW8bit, Sgd, Adafactor, GaLoreAdamW,
        ApolloAdamW, BlockAdam, BlockAdamRatio, AdamMini, Muon {

    /**
     * One update of every parameter with its gradient.
     *
     * @param gradients    gradient per parameter name (same shapes as the parameters)
     * @param learningRate the scheduled learning rate of this update (each parameter's group scales it)
     */
    void step(Map<String, NDArray> gradients, double learningRate);

    /**
     * Whether this update reads (and the trainer clips) the gradient of {@code name} now. BAdam reads only its active
     * block's: the other parameters have no gradient there, so they count in no norm.
     */
    default boolean readsGradient(String name) {
        return true;
    }

    /**
     * Rewrites the gradient of {@code name} in place before the trainer measures and clips it, as an optimizer's
     * gradient hook would (BAdam's ratio mode keeps only the entries it updates). The default leaves it as is.
     */
    default void prepareGradient(String name, NDArray gradient) {
    }

    /** Number of updates done so far (PyTorch's {@code state['step']}). */
    long stepCount();

    /** The optimizer state by stable key, for checkpoints (live arrays; empty when stateless). */
    SequencedMap<String, NDArray> state();

    /**
     * The state arrays that hold numbers at the parameters' precision (moments, projections, norms), which pure bf16
     * keeps at bfloat16 precision like the parameters (DD040); seeds and counters kept as floats are not among them.
     */
    default SequencedMap<String, NDArray> valueState() {
        return state();
    }

    /** Restores the state (as written by {@link #state()}) and the update count from a checkpoint. */
    void restore(Map<String, NDArray> state, long restoredStepCount);

    @Override
    void close();

    /** Copies a checkpoint tensor into an existing state array, refusing a missing key or a shape change. */
    static void copyInto(NDArray target, NDArray source, String key) {
        if (source == null) {
            throw new IllegalArgumentException("Optimizer state is missing tensor " + key
                    + " (was the checkpoint written with another optim?)");
        }
        if (!source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("Optimizer state tensor " + key + " has shape " + source.getShape()
                    + ", expected " + target.getShape());
        }
        target.set(source.toType(target.getDataType(), false).toByteBuffer());
    }
}
