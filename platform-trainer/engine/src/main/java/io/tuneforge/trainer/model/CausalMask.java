package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Additive causal masks, optionally with a sliding window (transformers: key j visible from i if i - window < j ≤ i). */
final class CausalMask {

    static final float MASKED = -1e9f;

    private CausalMask() {
    }

    /**
     * @param t      new tokens (queries)
     * @param offset cached positions before them
     * @param window how far back a query looks ({@code Integer.MAX_VALUE}: no window)
     * @return (T, S), S = offset + T: 0 where key j may be seen by query i, else a large negative
     */
    static NDArray build(NDManager step, int t, int offset, int window) {
        int s = offset + t;
        float[] mask = new float[t * s];
        for (int i = 0; i < t; i++) {
            int position = offset + i;
            for (int j = 0; j < s; j++) {
                boolean visible = j <= position && position - j < window;
                mask[i * s + j] = visible ? 0f : MASKED;
            }
        }
        return step.create(mask, new Shape(t, s));
    }
}
