package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A frozen base's linear weights quantized inside libtorch as bitsandbytes stores them (the
 * {@code quantized_weights.pt} TorchScript module, DD027): 4-bit NF4/FP4 in blocks of 64 with an absmax per block
 * (optionally double-quantized to 8 bits in blocks of 256), or 8-bit per-row absmax int8. Each call of
 * {@link Weight#project} dequantizes the weight inside the module (to float32, then bfloat16 when the store computes
 * in bf16) and multiplies; the gradient reaches {@code x} only. A weight is handed over once as float32 and quantized
 * there; only codes and scales stay.
 */
public final class QuantizedWeightStore implements AutoCloseable {

    static final String ARCHIVE = "quantized_weights.pt";

    /** The module's forward modes ({@code torchscript_kernels.py}, class QuantizedWeights). */
    private static final long PROJECT = 0;
    private static final long STORE = 1;
    private static final long DEQUANTIZE = 2;
    private static final long CODES = 3;
    private static final long SCALES = 4;
    private static final long SCALES2 = 5;
    private static final long OFFSET = 6;
    private static final long BYTES = 7;
    private static final long CONFIGURE = 8;

    private final NDManager manager;
    private final ScriptedModule module;
    private final Quantization quantization;
    private final Precision compute;
    private final NDArray[] modes = new NDArray[9];   // () int64 each, held for the store's life
    private final NDArray empty;                       // (0) float32: the "no input" argument
    private final NDArray zero;                        // () int64 slot 0 for store-wide queries
    private int count;
    private long parameters;

    /**
     * An empty store on the device of {@code manager}.
     *
     * @param quantization 4 or 8 bits (enabled)
     * @param compute      FP32 (dequantized to float32) or BF16 (dequantized weight and input cast to bfloat16 for the
     *                     product, as bitsandbytes' compute dtype)
     */
    public QuantizedWeightStore(NDManager manager, Quantization quantization, Precision compute) {
        if (!quantization.enabled()) {
            throw new IllegalArgumentException("a quantized weight store needs 4 or 8 bits");
        }
        this.manager = manager;
        this.quantization = quantization;
        this.compute = compute;
        this.module = ScriptedModule.load(manager, ARCHIVE);
        for (int mode = 0; mode < modes.length; mode++) {
            modes[mode] = manager.create((long) mode);
        }
        this.empty = manager.create(new float[0]);
        this.zero = manager.create(0L);
        long[] settings = {quantization.bits(), quantization.type() == Quantization.Type.FP4 ? 1 : 0,
                quantization.doubleQuantization() ? 1 : 0, compute == Precision.BF16 ? 1 : 0};
        try (NDManager scratch = manager.newSubManager()) {
            module.call(scratch, modes[(int) CONFIGURE], zero, scratch.create(settings));
        }
    }

    /**
     * Quantizes and stores one weight; {@code weight} is not kept (close it after).
     *
     * @param weight (out, in) float32
     */
    public Weight add(NDArray weight) {
        Shape shape = weight.getShape();
        if (shape.dimension() != 2 || weight.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("a quantized weight is handed over as (out, in) float32, got "
                    + shape + " " + weight.getDataType());
        }
        NDArray slot = manager.create((long) count);                                           // () int64
        try (NDManager scratch = manager.newSubManager()) {
            module.call(scratch, modes[(int) STORE], slot, weight);
        }
        count++;
        parameters += shape.size();
        return new Weight(slot, shape.get(0), shape.get(1));
    }

    /** Weights stored. */
    public int size() {
        return count;
    }

    /** Parameters (elements) of the stored weights. */
    public long parameters() {
        return parameters;
    }

    /** Bytes held by the stored codes and scales, as libtorch counts them (numel × element size of each tensor). */
    public long bytes() {
        try (NDManager scratch = manager.newSubManager()) {
            return module.call(scratch, modes[(int) BYTES], zero, empty).getLong();
        }
    }

    /** The quantization of this store. */
    public Quantization quantization() {
        return quantization;
    }

    /** What the product is computed in. */
    public Precision compute() {
        return compute;
    }

    @Override
    public void close() {
        module.close();
    }

    /** One stored weight (out, in). */
    public final class Weight implements FrozenWeight {
        private final NDArray slot;        // () int64, lives with the store's manager
        private final long out;
        private final long in;

        private Weight(NDArray slot, long out, long in) {
            this.slot = slot;
            this.out = out;
            this.in = in;
        }

        @Override
        public long outFeatures() {
            return out;
        }

        @Override
        public long inFeatures() {
            return in;
        }

        /**
         * @param x (..., in) float32 in {@code step}
         * @return (..., out) float32 in {@code step}, with the weight dequantized for this call
         */
        @Override
        public NDArray project(NDManager step, NDArray x) {
            return module.call(step, modes[(int) PROJECT], slot, x);
        }

        /** The dequantized weight (out, in) float32 in the store's manager. */
        @Override
        public NDArray widen() {
            return widen(manager);
        }

        /** The dequantized weight (out, in) float32 in {@code target}. */
        @Override
        public NDArray widen(NDManager target) {
            return module.call(target, modes[(int) DEQUANTIZE], slot, empty);
        }

        /** Packed codes: 4-bit (32 per 64-block) UINT8, two per byte, first element high nibble; 8-bit (out, in) INT8. */
        public NDArray codes(NDManager target) {
            return module.call(target, modes[(int) CODES], slot, empty);
        }

        /** Scales as stored: float32 absmax per 64-block or per row, or UINT8 codes with double quantization. */
        public NDArray scales(NDManager target) {
            return module.call(target, modes[(int) SCALES], slot, empty);
        }

        /** Double quantization's float32 absmax per 256 scales; (0) without it. */
        public NDArray scales2(NDManager target) {
            return module.call(target, modes[(int) SCALES2], slot, empty);
        }

        /** Double quantization's offset (the mean of the block absmax values) as a () float32; (0) without it. */
        public NDArray offset(NDManager target) {
            return module.call(target, modes[(int) OFFSET], slot, empty);
        }
    }
}
