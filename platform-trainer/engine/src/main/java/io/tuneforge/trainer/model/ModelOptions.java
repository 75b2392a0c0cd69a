package io.tuneforge.trainer.model;

import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.device.DeviceSpec;

/**
 * How to load a model.
 *
 * @param device          where weights live and compute runs
 * @param baseWeightType  storage type of the frozen decoder linears: FLOAT32, or FLOAT16 (on CUDA, to halve memory;
 *                        they are cast to FLOAT32 per use, so activations, LoRA weights and gradients stay FLOAT32).
 *                        Embedding, norms and LM head always stay FLOAT32.
 * @param fineTuning      which parameters train
 * @param seed            seeds LoRA initialisation (A Kaiming-uniform) and dropout
 * @param precision       what the decoder linears and attention compute in ({@link Precision#BF16}: CPU only, with
 *                        baseWeightType FLOAT32; the frozen base is then held in bfloat16 by the model itself)
 * @param attention       manual attention or SDPA
 * @param quantization    the frozen base's decoder linears quantized on the fly (QLoRA, DD027; only with a frozen
 *                        base: LoRA or inference), or {@link Quantization#NONE}
 */
public record ModelOptions(DeviceSpec device, DataType baseWeightType, FineTuning fineTuning, long seed,
                           Precision precision, AttentionKernel attention, Quantization quantization) {

    /** float32 with manual attention, as before precisions existed. */
    public ModelOptions(DeviceSpec device, DataType baseWeightType, FineTuning fineTuning, long seed) {
        this(device, baseWeightType, fineTuning, seed, Precision.FP32, AttentionKernel.MANUAL);
    }

    /** Not quantized. */
    public ModelOptions(DeviceSpec device, DataType baseWeightType, FineTuning fineTuning, long seed,
                        Precision precision, AttentionKernel attention) {
        this(device, baseWeightType, fineTuning, seed, precision, attention, Quantization.NONE);
    }

    public ModelOptions {
        if (baseWeightType != DataType.FLOAT32 && baseWeightType != DataType.FLOAT16) {
            throw new ModelConfigException("base weights can be held as FLOAT32 or FLOAT16, not " + baseWeightType);
        }
        if (baseWeightType == DataType.FLOAT16 && !fineTuning.freezesBase()) {
            throw new ModelConfigException("fp16 base weights are only for a frozen base (inference or adapters); "
                    + "full and freeze tuning train in FLOAT32");
        }
        if (precision == Precision.BF16 && (device.isCuda() || baseWeightType != DataType.FLOAT32)) {
            throw new ModelConfigException("bf16 is computed by TorchScript kernels on the CPU with float32 storage "
                    + "options; got device " + device + " and base " + baseWeightType);
        }
        if (quantization.enabled() && !(fineTuning instanceof FineTuning.None)
                && !(fineTuning instanceof FineTuning.Lora) && !(fineTuning instanceof FineTuning.Oft)) {
            throw new ModelConfigException("a quantized base (quantization_bit " + quantization.bits() + ") is "
                    + "frozen: only LoRA or OFT trains on it, as in LLaMA-Factory (full and freeze tuning change the "
                    + "base weights)");
        }
    }

    /** Whether the decoder linears are quantized (held by a {@link QuantizedWeightStore}). */
    public boolean quantizesBase() {
        return quantization.enabled();
    }

    /**
     * Whether the frozen base is held in bfloat16: bf16 precision and nothing in the base trains (LoRA, OFT, inference).
     * PiSSA replaces base weights by residuals, so its base stays float32 (computed in bf16 per use).
     */
    public boolean holdsBaseInBf16() {
        return precision == Precision.BF16 && !quantization.enabled() && fineTuning.freezesBase()
                && !(fineTuning instanceof FineTuning.Lora lora && lora.lora().isPissa());
    }

    /**
     * Whether the token embedding and the LM head are held in bfloat16 too: the base is ({@link #holdsBaseInBf16})
     * and LoRA does not train either of them whole ({@code additional_target} embed_tokens / lm_head); the load does
     * it for a checkpoint that stores them as BF16 (an exact copy; F32 ones stay float32). The lookup
     * and the LM-head projection then read the bf16 copy; no float32 copy exists until something asks for one
     * ({@code LlamaModel.lmHeadWeight}).
     */
    public boolean holdsEmbeddingInBf16() {
        return holdsBaseInBf16() && !(fineTuning instanceof FineTuning.Lora lora
                && (lora.lora().modulesToSave().contains("embed_tokens")
                        || lora.lora().modulesToSave().contains("lm_head")));
    }

    /** Inference on the CPU in FLOAT32. */
    public static ModelOptions inference() {
        return new ModelOptions(DeviceSpec.CPU, DataType.FLOAT32, FineTuning.none(), 42);
    }

    /** Inference on a device; on CUDA the frozen base is held in FLOAT16. */
    public static ModelOptions inference(DeviceSpec device) {
        return new ModelOptions(device, device.isCuda() ? DataType.FLOAT16 : DataType.FLOAT32, FineTuning.none(), 42);
    }

    /**
     * Inference in a job's precision: on the CPU, {@link Precision#BF16} holds the base in bfloat16 and computes with
     * SDPA as training did (half the float32 memory); on CUDA the base is held in FLOAT16 as {@link
     * #inference(DeviceSpec)} does, whatever the precision.
     */
    public static ModelOptions inference(DeviceSpec device, Precision precision) {
        if (device.isCuda() || precision == Precision.FP32) {
            return inference(device);
        }
        return new ModelOptions(device, DataType.FLOAT32, FineTuning.none(), 42, precision,
                AttentionKernel.forFlashAttn("auto", precision));
    }

    /** Training on the CPU in FLOAT32. */
    public static ModelOptions training(FineTuning fineTuning, long seed) {
        return new ModelOptions(DeviceSpec.CPU, DataType.FLOAT32, fineTuning, seed);
    }

    /** Training on the CPU in {@code precision} with {@code attention}. */
    public static ModelOptions training(FineTuning fineTuning, long seed, Precision precision,
                                        AttentionKernel attention) {
        return new ModelOptions(DeviceSpec.CPU, DataType.FLOAT32, fineTuning, seed, precision, attention);
    }

    public ModelOptions withDevice(DeviceSpec d, DataType base) {
        return new ModelOptions(d, base, fineTuning, seed, precision, attention, quantization);
    }

    /** These options computing in {@code p} with {@code a}. */
    public ModelOptions withCompute(Precision p, AttentionKernel a) {
        return new ModelOptions(device, baseWeightType, fineTuning, seed, p, a, quantization);
    }

    /** These options with the frozen base quantized as {@code q}. */
    public ModelOptions withQuantization(Quantization q) {
        return new ModelOptions(device, baseWeightType, fineTuning, seed, precision, attention, q);
    }
}
