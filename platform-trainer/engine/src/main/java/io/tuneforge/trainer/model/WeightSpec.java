package io.tuneforge.trainer.model;

import java.util.Arrays;

/**
 * One weight the model expects in the checkpoint.
 *
 * @param name  Hugging Face key, e.g. {@code model.layers.3.mlp.down_proj.weight}
 * @param shape expected dimensions, outermost first
 */
public record WeightSpec(String name, long[] shape) {

    public WeightSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** {@code [a, b]} for messages. */
    public String shapeText() {
        return Arrays.toString(shape);
    }
}
