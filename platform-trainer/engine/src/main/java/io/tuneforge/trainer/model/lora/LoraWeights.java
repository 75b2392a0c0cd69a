package io.tuneforge.trainer.model.lora;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import io.tuneforge.trainer.model.LinearKernel;

import java.util.SplittableRandom;

/**
 * The low-rank update of one frozen linear layer (Hu et al., LoRA):
 * <pre>
 *   y = x·Wᵀ + s · dropout(x)·Aᵀ·Bᵀ,   s = α/r (α/√r with rsLoRA)
 *   A (r, in): Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in) (PEFT's init)
 *   B (out, r): zeros, so training starts from the base model exactly
 * </pre>
 * Merging adds ΔW = s·B·A to W. The scale is a libtorch scalar created once (never a Java Number under autograd).
 */
public final class LoraWeights {

    private final NDArray a;        // (r, in)
    private final NDArray b;        // (out, r)
    private final NDArray scaling;  // ()
    private final double scale;
    private final float dropout;

    private LoraWeights(NDArray a, NDArray b, double scale, double dropout) {
        this.a = a;
        this.b = b;
        this.scale = scale;
        this.dropout = (float) dropout;
        this.scaling = a.getManager().full(new Shape(), (float) scale, DataType.FLOAT32);
    }

    /** Fresh adapter weights: A Kaiming-uniform from {@code random}, B zero. */
    public static LoraWeights initialise(NDManager manager, long in, long out, LoraConfig config,
                                         SplittableRandom random) {
        int r = config.rank();
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] values = new float[(int) (r * in)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1) * bound;
        }
        NDArray a = manager.create(values, new Shape(r, in));
        NDArray b = manager.zeros(new Shape(out, r), DataType.FLOAT32);
        return new LoraWeights(a, b, config.scaling(), config.dropout());
    }

    /** Adapter weights from a checkpoint (A (r, in), B (out, r), FLOAT32, in the model's manager). */
    public static LoraWeights of(NDArray a, NDArray b, LoraConfig config) {
        return new LoraWeights(a, b, config.scaling(), config.dropout());
    }

    /** Marks A and B trainable. */
    public void setTrainable(boolean trainable) {
        a.setRequiresGradient(trainable);
        b.setRequiresGradient(trainable);
    }

    /** A (r, in). */
    public NDArray a() {
        return a;
    }

    /** B (out, r). */
    public NDArray b() {
        return b;
    }

    /** The scale s. */
    public double scale() {
        return scale;
    }

    /**
     * The update s·dropout(x)·Aᵀ·Bᵀ.
     *
     * @param x (..., in) FLOAT32 in {@code step}
     * @return (..., out) in {@code step}
     */
    public NDArray delta(NDManager step, NDArray x, boolean training) {
        NDArray input = x;
        if (training && dropout > 0) {
            input = own(step, Dropout.dropout(x, dropout, true).singletonOrThrow());
        }
        // the scale multiplies the rank-r intermediate, cheaper than the (..., out) update
        NDArray down = LinearKernel.project(step, input, a);                                             // (..., r)
        NDArray scaled = own(step, down.mul(scaling));                                              // (..., r)
        return LinearKernel.project(step, scaled, b);                                                     // (..., out)
    }

    /** ΔW = s·B·A (out, in) in {@code manager}, without gradient. */
    public NDArray deltaWeight(NDManager manager) {
        NDArray product = b.matMul(a);                                                               // (out, in)
        NDArray delta = product.mul(scaling);
        delta.attach(manager);
        product.close();
        return delta;
    }

    /** Frees A, B and the scale. */
    public void close() {
        a.close();
        b.close();
        scaling.close();
    }
}
