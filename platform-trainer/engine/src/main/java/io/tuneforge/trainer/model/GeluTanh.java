package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * transformers' {@code gelu_pytorch_tanh}: {@code 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))}. Its constants are
 * libtorch scalars held for the model's lifetime (Java-number scalar ops are unsafe under autograd).
 */
final class GeluTanh {

    private final NDArray half;        // () 0.5
    private final NDArray one;         // () 1
    private final NDArray root2OverPi; // () √(2/π)
    private final NDArray cubic;       // () 0.044715

    GeluTanh(NDManager manager) {
        this.half = manager.full(new Shape(), 0.5f, DataType.FLOAT32);
        this.one = manager.full(new Shape(), 1f, DataType.FLOAT32);
        this.root2OverPi = manager.full(new Shape(), (float) Math.sqrt(2.0 / Math.PI), DataType.FLOAT32);
        this.cubic = manager.full(new Shape(), 0.044715f, DataType.FLOAT32);
    }

    /**
     * @param z (..., I)
     * @return (..., I)
     */
    NDArray apply(NDArray z) {
        NDArray inner = z.add(z.mul(z).mul(z).mul(cubic)).mul(root2OverPi);                    // (..., I)
        return z.mul(half).mul(inner.tanh().add(one));                                         // (..., I)
    }
}
