package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.model.lora.LoraWeights;

import java.util.Optional;

/**
 * {@code y = x·Wᵀ + b (+ LoRA update)}, the product computed by the process's {@link LinearKernel} ({@code matMul},
 * or a 1×1 convolution on a channels-last view where that is clearly faster; the kernels live beside this class). A FLOAT16-stored weight is cast to
 * FLOAT32 per use (the base is frozen, so the cast cutting the gradient does not matter).
 */
public final class Linear {

    private final String path;
    private NDArray weight;             // (out, in)
    private final NDArray bias;         // (out) or null
    private LoraWeights lora;
    private boolean loraEnabled = true;  // false while a reference pass runs the base alone (DPO)

    Linear(String path, NDArray weight, NDArray bias) {
        this.path = path;
        this.weight = weight;
        this.bias = bias;
    }

    /** The Hugging Face module path, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public String path() {
        return path;
    }

    /** The base weight (out, in). */
    public NDArray weight() {
        return weight;
    }

    /** The bias (out), if any. */
    public Optional<NDArray> bias() {
        return Optional.ofNullable(bias);
    }

    /** The LoRA adapter, if one is attached. */
    public Optional<LoraWeights> lora() {
        return Optional.ofNullable(lora);
    }

    public long inFeatures() {
        return weight.getShape().get(1);
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }

    /** Attaches (or replaces) the LoRA adapter. */
    public void attachLora(LoraWeights adapter) {
        if (lora != null) {
            lora.close();
        }
        lora = adapter;
    }

    /** Switches the adapter's update on or off (off: the base alone, PEFT's {@code disable_adapter()}). */
    public void enableLora(boolean enabled) {
        loraEnabled = enabled;
    }

    /**
     * @param x (..., in) FLOAT32 in {@code step}
     * @return (..., out) in {@code step}
     */
    public NDArray forward(NDManager step, NDArray x, boolean training) {
        NDArray w = weight.getDataType() == DataType.FLOAT32 ? weight : own(step, weight.toType(DataType.FLOAT32, false));
        NDArray y = LinearKernel.project(step, x, w);                                                     // (..., out)
        if (bias != null) {
            y = own(step, y.add(bias));
        }
        if (lora != null && loraEnabled) {
            y = own(step, y.add(lora.delta(step, x, training)));
        }
        return y;
    }

    /** Folds the adapter into the weight: W ← W + s·B·A, then drops the adapter. No-op without one. */
    public void merge() {
        if (lora == null) {
            return;
        }
        NDManager manager = weight.getManager();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray delta = lora.deltaWeight(scratch);
            NDArray base = weight.getDataType() == DataType.FLOAT32 ? weight : weight.toType(DataType.FLOAT32, false);
            base.attach(scratch);
            NDArray merged = base.add(delta).toType(weight.getDataType(), false);
            merged.attach(manager);
            boolean requiresGrad = weight.hasGradient();
            weight.close();
            weight = merged;
            if (requiresGrad) {
                weight.setRequiresGradient(true);
            }
        }
        lora.close();
        lora = null;
    }
}
