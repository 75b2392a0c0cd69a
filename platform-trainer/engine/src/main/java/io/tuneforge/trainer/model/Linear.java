package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.model.lora.LoraWeights;
import io.tuneforge.trainer.model.oft.OftWeights;

import java.util.Optional;

/**
 * {@code y = x·Wᵀ + b (+ LoRA update)}, the product computed by the process's {@link LinearKernel} ({@code matMul},
 * or a 1×1 convolution on a channels-last view where that is clearly faster; the kernels live beside this class). A FLOAT16-stored weight is cast to
 * FLOAT32 per use (the base is frozen, so the cast cutting the gradient does not matter).
 *
 * <p>In {@link Precision#BF16} the base product is computed in bfloat16 by a TorchScript kernel and returned as
 * float32: a frozen weight is held in bfloat16 in a {@link Bf16WeightStore} ({@code held}); a float32 weight that
 * trains is cast per use by {@code bf16_linear.pt} ({@code autocast}), the gradient reaching it. Bias and the LoRA
 * update stay float32 and are added to the float32 result. With a quantized base (QLoRA, DD027) the frozen weight is
 * held as 4- or 8-bit codes in a {@link QuantizedWeightStore} and dequantized per call inside the kernel.
 */
public final class Linear {

    private final String path;
    private NDArray weight;             // (out, in); null when held in bfloat16
    private final FrozenWeight held;             // (out, in) bfloat16 or 4/8-bit codes in libtorch, or null
    private final ScriptedModule autocast;       // bf16_linear.pt for a float32 weight computed in bf16, or null
    private final NDArray bias;         // (out) or null
    private LoraWeights lora;
    private OftWeights oft;             // OFT rotation of the input, or null
    private boolean loraEnabled = true;  // false while a reference pass runs the base alone (DPO)

    Linear(String path, NDArray weight, NDArray bias) {
        this(path, weight, bias, null);
    }

    /** A float32 weight; with {@code autocast} (bf16_linear.pt) its product is computed in bfloat16. */
    Linear(String path, NDArray weight, NDArray bias, ScriptedModule autocast) {
        this.path = path;
        this.weight = weight;
        this.held = null;
        this.autocast = autocast;
        this.bias = bias;
    }

    /** A frozen weight held in bfloat16 or quantized. */
    Linear(String path, FrozenWeight held, NDArray bias) {
        this.path = path;
        this.weight = null;
        this.held = held;
        this.autocast = null;
        this.bias = bias;
    }

    /** The Hugging Face module path, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public String path() {
        return path;
    }

    /**
     * The base weight (out, in); for a weight held in bfloat16 a new float32 copy (exact) in the model's manager,
     * for export: close it after use.
     */
    public NDArray weight() {
        if (held != null) {
            return held.widen();
        }
        return weight;
    }

    /** Whether the base weight is held in bfloat16 (frozen). */
    public boolean heldInBf16() {
        return held instanceof Bf16WeightStore.Weight;
    }

    /** Whether the base weight is held quantized (frozen, QLoRA). */
    public boolean heldQuantized() {
        return held instanceof QuantizedWeightStore.Weight;
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
        return held != null ? held.inFeatures() : weight.getShape().get(1);
    }

    public long outFeatures() {
        return held != null ? held.outFeatures() : weight.getShape().get(0);
    }

    /** Attaches (or replaces) the LoRA adapter. */
    public void attachLora(LoraWeights adapter) {
        if (lora != null) {
            lora.close();
        }
        lora = adapter;
    }

    /**
     * Replaces the frozen base weight (PiSSA's residual W − U_r·S_r·Vh_r), same shape and dtype, in the model's
     * manager; a weight held in bfloat16 cannot be replaced.
     */
    public void replaceWeight(NDArray residual) {
        if (held != null) {
            throw new ModelConfigException(path + ": PiSSA changes the base weight, which a base held in bf16 cannot "
                    + "take: train PiSSA without bf16");
        }
        if (!residual.getShape().equals(weight.getShape()) || residual.getDataType() != weight.getDataType()) {
            throw new IllegalArgumentException(path + ": replacement weight " + residual.getShape() + " "
                    + residual.getDataType() + " differs from " + weight.getShape() + " " + weight.getDataType());
        }
        weight.close();
        weight = residual;
    }

    /** The OFT rotation, if one is attached. */
    public Optional<OftWeights> oft() {
        return Optional.ofNullable(oft);
    }

    /** Attaches (or replaces) an OFT rotation of the input. */
    public void attachOft(OftWeights adapter) {
        if (oft != null) {
            oft.close();
        }
        oft = adapter;
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
        if (oft != null && loraEnabled) {
            x = oft.rotate(step, x);                                                          // (..., in)
        }
        NDArray xw = baseProduct(step, x);                                                   // (..., out)
        NDArray y = xw;
        if (bias != null) {
            y = own(step, y.add(bias));
        }
        if (lora != null && loraEnabled && lora.isDora()) {
            y = own(step, y.add(lora.doraDelta(step, x, float32Weight(step), xw, training)));
        } else if (lora != null && loraEnabled) {
            y = own(step, y.add(lora.delta(step, x, training)));
        }
        return y;
    }

    /** {@code x·Wᵀ} in this linear's precision: (..., in) → (..., out), float32 in {@code step}. */
    private NDArray baseProduct(NDManager step, NDArray x) {
        if (held != null) {
            return held.project(step, x);
        }
        if (autocast != null) {
            return autocast.call(step, x, weight);
        }
        return LinearKernel.project(step, x, float32Weight(step));
    }

    /**
     * The weight (out, in) as float32 in {@code step}: DoRA's norm needs it. A quantized base gives its dequantized
     * weight (what the model computes with, as PEFT dequantizes a bitsandbytes layer for DoRA); a bf16-held base
     * cannot give it.
     */
    private NDArray float32Weight(NDManager step) {
        if (held instanceof QuantizedWeightStore.Weight quantized) {
            return quantized.widen(step);                                                      // (out, in)
        }
        if (held != null) {
            throw new ModelConfigException(path + ": DoRA needs the base weight in float32; a base held in bf16 "
                    + "cannot give it: train DoRA without bf16");
        }
        return weight.getDataType() == DataType.FLOAT32 ? weight : own(step, weight.toType(DataType.FLOAT32, false));
    }

    /**
     * Folds the adapter into the weight: W ← W + s·B·A (DoRA: m/‖W + s·B·A‖·(W + s·B·A)), then drops the adapter.
     * No-op without one.
     */
    public void merge() {
        if (oft != null) {
            mergeOft();
        }
        if (lora == null) {
            return;
        }
        if (held != null) {
            throw new ModelConfigException(path + ": merging an adapter into a base held in bf16 or quantized is not "
                    + "supported; load the model in fp32 to merge (the adapter is an ordinary PEFT adapter)");
        }
        NDManager manager = weight.getManager();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray base = weight.getDataType() == DataType.FLOAT32 ? weight : weight.toType(DataType.FLOAT32, false);
            if (base != weight) {
                base.attach(scratch);
            }
            NDArray adapted = lora.isDora() ? lora.doraMergedWeight(scratch, base)
                    : own(scratch, base.add(lora.deltaWeight(scratch)));
            NDArray merged = adapted.toType(weight.getDataType(), false);
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

    /** Folds the OFT rotation into the weight (PEFT: W' = W·diag(R)ᵀ), then drops it. */
    private void mergeOft() {
        if (held != null) {
            throw new ModelConfigException(path + ": merging an adapter into a base held in bf16 is not supported; "
                    + "load the model in fp32 to merge");
        }
        NDManager manager = weight.getManager();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray base = weight.getDataType() == DataType.FLOAT32 ? weight : weight.toType(DataType.FLOAT32, false);
            if (base != weight) {
                base.attach(scratch);
            }
            NDArray merged = oft.mergedWeight(scratch, base).toType(weight.getDataType(), false);
            merged.attach(manager);
            weight.close();
            weight = merged;
        }
        oft.close();
        oft = null;
    }
}
