package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The TorchScript modules one model computes with beyond DJL's own ops, chosen by its {@link ModelOptions}: the
 * bfloat16 weight store of a frozen base, the autocast linear for float32 weights computed in bf16, and SDPA.
 *
 * @param store    frozen base weights in bfloat16 (precision bf16 with a frozen base, not quantized), or null
 * @param quantized frozen base weights quantized to 4 or 8 bits (quantization enabled), or null
 * @param autocast {@code bf16_linear.pt} (precision bf16), or null
 * @param sdpa     {@code sdpa_fp32.pt} / {@code sdpa_bf16.pt} (attention SDPA), or null
 * @param causal   () marker for SDPA's built-in causal mask, or null
 * @param embeddingInStore whether the embedding and LM head go into {@code store} too (frozen, bf16)
 */
record ComputeKernels(Bf16WeightStore store, QuantizedWeightStore quantized, ScriptedModule autocast,
                      ScriptedModule sdpa, NDArray causal, boolean embeddingInStore)
        implements AutoCloseable {

    /** No kernels: float32 through DJL's own ops. */
    static ComputeKernels none() {
        return new ComputeKernels(null, null, null, null, null, false);
    }

    static ComputeKernels create(NDManager manager, ModelOptions options) {
        boolean bf16 = options.precision() == Precision.BF16;
        Bf16WeightStore store = options.holdsBaseInBf16() ? new Bf16WeightStore(manager) : null;
        QuantizedWeightStore quantized = options.quantization().enabled()
                ? new QuantizedWeightStore(manager, options.quantization(), options.precision()) : null;
        ScriptedModule autocast = bf16 ? ScriptedModule.load(manager, "bf16_linear.pt") : null;
        ScriptedModule sdpa = options.attention() == AttentionKernel.SDPA
                ? ScriptedModule.load(manager, bf16 ? "sdpa_bf16.pt" : "sdpa_fp32.pt") : null;
        NDArray causal = sdpa != null ? manager.zeros(new Shape()) : null;
        return new ComputeKernels(store, quantized, autocast, sdpa, causal, options.holdsEmbeddingInBf16());
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
        if (quantized != null) {
            quantized.close();
        }
        if (autocast != null) {
            autocast.close();
        }
        if (sdpa != null) {
            sdpa.close();
        }
    }
}
