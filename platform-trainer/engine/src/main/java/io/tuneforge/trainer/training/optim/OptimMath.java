package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Small in-place tensor steps the optimizers share, written as PyTorch computes them. */
final class OptimMath {

    private OptimMath() {
    }

    /** A 0-dim libtorch scalar in {@code scope} (never a Java {@code Number}: see stack-facts, scalar ops). */
    static NDArray scalar(NDManager scope, double value, DataType type) {
        return scope.full(new Shape(), (float) value, type);
    }

    /**
     * {@code self.lerp_(end, weight)} as PyTorch's CPU kernel: {@code self + weight·(end − self)} for weights below
     * 0.5, else {@code end − (end − self)·(1 − weight)}.
     */
    static void lerpInPlace(NDManager scope, NDArray self, NDArray end, double weight) {
        DataType type = self.getDataType();
        try (NDArray diff = end.sub(self)) {
            if (Math.abs(weight) < 0.5) {
                diff.muli(scalar(scope, weight, type));
                self.addi(diff);
            } else {
                diff.muli(scalar(scope, 1.0 - weight, type));
                try (NDArray value = end.sub(diff)) {
                    self.set(value.toByteBuffer());
                }
            }
        }
    }

    /**
     * Overwrites {@code target} with {@code values} by copying inside libtorch. Never {@code NDArray.set(Buffer)} on a
     * tensor that outlives its Java wrapper (a parameter's gradient, a parameter seen through several wrappers):
     * DJL's set makes the tensor's storage alias the Java buffer, which is freed when that wrapper is collected.
     */
    static void overwrite(NDArray target, float[] values) {
        try (NDArray source = target.getManager().create(values, target.getShape())) {
            target.set(new ai.djl.ndarray.index.NDIndex("..."), source);
        }
    }

    /** {@link #overwrite(NDArray, float[])} for uint8 codes. */
    static void overwrite(NDArray target, byte[] codes) {
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(codes.length).put(codes).flip();
        try (NDArray source = target.getManager().create(direct, target.getShape(), DataType.UINT8)) {
            target.set(new ai.djl.ndarray.index.NDIndex("..."), source);
        }
    }

    /** The gradient of {@code name}, refusing a missing one. */
    static NDArray gradient(java.util.Map<String, NDArray> gradients, String name) {
        NDArray g = gradients.get(name);
        if (g == null) {
            throw new IllegalStateException("No gradient for trainable parameter " + name);
        }
        return g;
    }
}
