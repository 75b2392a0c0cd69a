package io.tuneforge.trainer.model.safetensors;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor lives in a safetensors file.
 *
 * @param name  the tensor's key, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype element type on disk
 * @param shape dimensions, outermost first (empty for a scalar)
 * @param file  the (shard) file holding it
 * @param start absolute byte offset of the first element in {@code file}
 * @param end   absolute byte offset one past the last element
 */
public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, Path file, long start, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Number of bytes on disk. */
    public long byteCount() {
        return end - start;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as {@code [a, b]} for messages. */
    public String shapeText() {
        return Arrays.toString(shape);
    }
}
