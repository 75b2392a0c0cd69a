package io.tuneforge.trainer.export;

import java.util.List;

/**
 * Named float tensors read one at a time, so exporters and the merger hold at most one tensor (plus its output) in
 * memory. Shapes are in PyTorch (row-major) order, e.g. {@code [out_features, in_features]} for a linear weight.
 */
public interface WeightSource extends AutoCloseable {

    /** Every tensor name, in a stable order (file order for a checkpoint). */
    List<String> names();

    /** The shape of {@code name} in PyTorch order. */
    long[] shape(String name);

    /** The values of {@code name}, row-major, widened to float32 exactly (BF16/F16 sources lose nothing). */
    float[] read(String name);

    @Override
    void close();

    /** Number of elements of a shape. */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
