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
 *
 * <p>DoRA (Liu et al., 2024, {@code use_dora}; PEFT's {@code DoraLinearLayer}) adds a trained magnitude m (out,),
 * initialised to the row norms of W, and rescales the adapted weight row by row:
 * <pre>
 *   W' = m / ‖W + s·B·A‖_row · (W + s·B·A)          the norm is detached (a constant for autograd), as in PEFT
 *   y  = x·Wᵀ + b + (m/‖·‖ − 1) · x_d·Wᵀ + m/‖·‖ · s · x_d·Aᵀ·Bᵀ     x_d = dropout(x) (x without dropout)
 * </pre>
 */
public final class LoraWeights {

    private final NDArray a;        // (r, in)
    private final NDArray b;        // (out, r)
    private final NDArray scaling;  // ()
    private final double scale;
    private final float dropout;
    private NDArray magnitude;      // (out) with DoRA, else null
    private NDArray initialA;       // (r, in) PiSSA's A at initialisation (for conversion on save), else null
    private NDArray initialB;       // (out, r) PiSSA's B at initialisation, else null

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

    /** Adapter weights with a DoRA magnitude (out) from a checkpoint. */
    public static LoraWeights dora(NDArray a, NDArray b, NDArray magnitude, LoraConfig config) {
        LoraWeights w = new LoraWeights(a, b, config.scaling(), config.dropout());
        w.magnitude = magnitude;
        return w;
    }

    /**
     * PiSSA's starting factors (A (r, in), B (out, r), in the model's manager), with DoRA's magnitude (out) or null;
     * copies of A and B are kept to convert the trained adapter into an ordinary LoRA on save
     * ({@link #initialFactors()}).
     */
    public static LoraWeights pissa(NDArray a, NDArray b, NDArray magnitude, LoraConfig config) {
        LoraWeights w = new LoraWeights(a, b, config.scaling(), config.dropout());
        w.initialA = a.duplicate();
        w.initialB = b.duplicate();
        w.magnitude = magnitude;
        return w;
    }

    /** The row norms (out) of a weight (out, in), in {@code manager}: DoRA's starting magnitude. */
    public static NDArray rowNorms(NDManager manager, NDArray weight) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray w = weight.getDataType() == DataType.FLOAT32 ? weight
                    : own(scratch, weight.toType(DataType.FLOAT32, false));                     // (out, in)
            NDArray norm = rowNorms(scratch, w, null);                                        // (out)
            NDArray out = norm.duplicate();
            out.attach(manager);
            return out;
        }
    }

    /** PiSSA's A₀ (r, in) and B₀ (out, r) at initialisation; empty for other adapters. */
    public java.util.Optional<NDArray[]> initialFactors() {
        return initialA == null ? java.util.Optional.empty() : java.util.Optional.of(new NDArray[] {initialA, initialB});
    }

    /** Starts DoRA: the magnitude becomes the row norms of {@code baseWeight} (out, in), as PEFT initialises it. */
    public void initialiseMagnitude(NDArray baseWeight) {
        try (NDManager scratch = a.getManager().newSubManager()) {
            NDArray w = baseWeight;
            if (w.getDataType() != DataType.FLOAT32) {
                w = own(scratch, baseWeight.toType(DataType.FLOAT32, false));                  // (out, in)
            }
            NDArray norm = rowNorms(scratch, w, null);                                      // (out)
            magnitude = norm.duplicate();
            magnitude.attach(a.getManager());
        }
    }

    /** Marks A and B (and DoRA's magnitude) trainable. */
    public void setTrainable(boolean trainable) {
        a.setRequiresGradient(trainable);
        b.setRequiresGradient(trainable);
        if (magnitude != null) {
            magnitude.setRequiresGradient(trainable);
        }
    }

    /** Whether this is a DoRA adapter (it has a magnitude vector). */
    public boolean isDora() {
        return magnitude != null;
    }

    /** DoRA's magnitude m (out); empty for plain LoRA. */
    public java.util.Optional<NDArray> magnitude() {
        return java.util.Optional.ofNullable(magnitude);
    }

    /**
     * DoRA's addition to {@code x·Wᵀ + b}: {@code (m/‖W + s·B·A‖ − 1)·x_d·Wᵀ + m/‖W + s·B·A‖·s·x_d·Aᵀ·Bᵀ}.
     *
     * @param x          (..., in) FLOAT32 in {@code step}
     * @param baseWeight W (out, in) FLOAT32
     * @param xw         x·Wᵀ without bias (..., out), reused when no dropout applies
     * @return (..., out) in {@code step}
     */
    public NDArray doraDelta(NDManager step, NDArray x, NDArray baseWeight, NDArray xw, boolean training) {
        NDArray input = x;
        NDArray baseResult = xw;
        if (training && dropout > 0) {
            input = own(step, Dropout.dropout(x, dropout, true).singletonOrThrow());
            baseResult = LinearKernel.project(step, input, baseWeight);                                 // (..., out)
        }
        NDArray norm = rowNorms(step, baseWeight, scaledProduct(step, true));                          // (out)
        NDArray magNormScale = own(step, magnitude.div(norm));                                          // (out)
        NDArray down = LinearKernel.project(step, input, a);                                            // (..., r)
        NDArray scaled = own(step, down.mul(scaling));                                                  // (..., r)
        NDArray loraResult = LinearKernel.project(step, scaled, b);                                     // (..., out)
        NDArray adapted = own(step, baseResult.add(loraResult));                                        // (..., out)
        NDArray rescaled = own(step, adapted.mul(magNormScale));                                        // (..., out)
        return own(step, rescaled.sub(baseResult));                                                     // (..., out)
    }

    /** s·B·A (out, in) in {@code scope}; detached from autograd when {@code detached}. */
    private NDArray scaledProduct(NDManager scope, boolean detached) {
        NDArray bb = detached ? own(scope, b.stopGradient()) : b;
        NDArray aa = detached ? own(scope, a.stopGradient()) : a;
        NDArray product = own(scope, bb.matMul(aa));                                                   // (out, in)
        return own(scope, product.mul(scaling));                                                        // (out, in)
    }

    /** ‖W + delta‖ over each row (out), detached; delta may be null. */
    private static NDArray rowNorms(NDManager scope, NDArray weight, NDArray delta) {
        NDArray w = own(scope, weight.stopGradient());                                                   // (out, in)
        NDArray combined = delta == null ? w : own(scope, w.add(delta));                               // (out, in)
        NDArray squares = own(scope, combined.mul(combined));                                           // (out, in)
        return own(scope, own(scope, squares.sum(new int[] {1})).sqrt());                               // (out)
    }

    /** The merged weight {@code m/‖W + s·B·A‖ · (W + s·B·A)} (out, in) of a DoRA adapter, in {@code manager}. */
    public NDArray doraMergedWeight(NDManager manager, NDArray baseWeight) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray delta = scaledProduct(scratch, true);                                              // (out, in)
            NDArray adapted = own(scratch, baseWeight.add(delta));                                      // (out, in)
            NDArray norm = rowNorms(scratch, adapted, null);                                            // (out)
            NDArray factor = own(scratch, own(scratch, magnitude.stopGradient()).div(norm));          // (out)
            NDArray merged = adapted.mul(factor.expandDims(1));                                         // (out, in)
            merged.attach(manager);
            return merged;
        }
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

    /** Frees A, B, the magnitude and the scale. */
    public void close() {
        a.close();
        b.close();
        if (magnitude != null) {
            magnitude.close();
        }
        if (initialA != null) {
            initialA.close();
            initialB.close();
        }
        scaling.close();
    }
}
