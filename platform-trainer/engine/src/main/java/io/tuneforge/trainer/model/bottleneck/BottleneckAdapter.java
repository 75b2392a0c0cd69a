package io.tuneforge.trainer.model.bottleneck;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * One bottleneck adapter on a sub-layer output z (B, T, C):
 * <pre>
 *   adapter(z) = z + (f(z·W_downᵀ + b_down))·W_upᵀ + b_up        W_down (r, C), b_down (r), W_up (C, r), b_up (C)
 * </pre>
 * Fresh adapters start as the identity: W_up and b_up are zero (W_down Kaiming-uniform, b_down zero, as LoRA's A and
 * B), so step 0 is the base model exactly.
 */
public final class BottleneckAdapter {

    /** The down projection's weight in a key. */
    public static final String DOWN_WEIGHT = "adapter_down.weight";
    /** The down projection's bias in a key. */
    public static final String DOWN_BIAS = "adapter_down.bias";
    /** The up projection's weight in a key. */
    public static final String UP_WEIGHT = "adapter_up.weight";
    /** The up projection's bias in a key. */
    public static final String UP_BIAS = "adapter_up.bias";

    private final NDArray downWeight;    // (r, C)
    private final NDArray downBias;      // (r)
    private final NDArray upWeight;      // (C, r)
    private final NDArray upBias;        // (C)
    private final BottleneckConfig.NonLinearity nonLinearity;
    private boolean enabled = true;

    /** Weights (FLOAT32, in the model's manager) of a fresh or saved adapter. */
    public BottleneckAdapter(NDArray downWeight, NDArray downBias, NDArray upWeight, NDArray upBias,
                             BottleneckConfig.NonLinearity nonLinearity) {
        this.downWeight = downWeight;
        this.downBias = downBias;
        this.upWeight = upWeight;
        this.upBias = upBias;
        this.nonLinearity = nonLinearity;
    }

    /** A fresh adapter C → r → C: W_down U(±1/√C) from {@code random}, the rest zero (the identity). */
    public static BottleneckAdapter initialise(NDManager manager, int hidden, int bottleneck,
                                               BottleneckConfig.NonLinearity nonLinearity, SplittableRandom random) {
        float bound = (float) (1.0 / Math.sqrt(hidden));
        float[] values = new float[bottleneck * hidden];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1) * bound;
        }
        return new BottleneckAdapter(manager.create(values, new Shape(bottleneck, hidden)),
                manager.zeros(new Shape(bottleneck), DataType.FLOAT32),
                manager.zeros(new Shape(hidden, bottleneck), DataType.FLOAT32),
                manager.zeros(new Shape(hidden), DataType.FLOAT32), nonLinearity);
    }

    /** The four arrays by their key suffix, in the saved order. */
    public SequencedMap<String, NDArray> parameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        out.put(DOWN_WEIGHT, downWeight);
        out.put(DOWN_BIAS, downBias);
        out.put(UP_WEIGHT, upWeight);
        out.put(UP_BIAS, upBias);
        return out;
    }

    /** Marks the weights as trained. */
    public void setTrainable(boolean trainable) {
        parameters().values().forEach(a -> a.setRequiresGradient(trainable));
    }

    /** Switched off, the adapter is the identity (a preference run's reference pass). */
    public void enable(boolean on) {
        this.enabled = on;
    }

    /**
     * @param z (B, T, C) a sub-layer's output in {@code step}
     * @return (B, T, C) in {@code step}
     */
    public NDArray forward(NDManager step, NDArray z) {
        if (!enabled) {
            return z;
        }
        NDArray down = own(step, z.matMul(own(step, downWeight.transpose())).add(downBias));  // (B, T, r)
        NDArray activated = activate(down);                                                  // (B, T, r)
        NDArray up = activated.matMul(own(step, upWeight.transpose())).add(upBias);          // (B, T, C)
        return z.add(up);                                                                    // (B, T, C)
    }

    private NDArray activate(NDArray x) {
        return switch (nonLinearity) {
            case RELU -> Activation.relu(x);
            case GELU -> Activation.gelu(x);
            case SWISH -> x.mul(Activation.sigmoid(x));
            case TANH -> x.tanh();
        };
    }
}
