package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Attaches op results to the per-step manager. An op's result belongs to the manager of its first operand, so an op
 * whose first operand is a long-lived parameter would otherwise pile its result up in the model's manager.
 */
public final class Owned {

    private Owned() {
    }

    /** {@code array}, now owned by {@code step}. */
    public static NDArray own(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
