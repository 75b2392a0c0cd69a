package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A frozen base's linear weights held in bfloat16 inside libtorch (the {@code bf16_weights.pt} TorchScript module),
 * never as DJL arrays: DJL's PyTorch JNI cannot hold a BFLOAT16 array (stack-facts). A weight arrives as its
 * little-endian bfloat16 bytes (a BF16 checkpoint's bytes as they are, 2 bytes per element, no float32 copy) and is
 * decoded exactly inside the module; {@link Weight#project} computes {@code x·Wᵀ} in bfloat16 and returns float32, the
 * gradient flowing back to {@code x}; {@link Weight#lookup} reads rows of a stored embedding as float32. Weights read
 * from a checkpoint ({@link #add(SafetensorsReader, String, long, long)}) arrive in row chunks of at most
 * {@value #CHUNK_ELEMENTS} elements read without mapping the file, so loading holds one chunk beside the store.
 */
public final class Bf16WeightStore implements AutoCloseable {

    static final String ARCHIVE = "bf16_weights.pt";

    /** Most elements read from a checkpoint at a time (whole rows; a row larger than this is one chunk). */
    static final int CHUNK_ELEMENTS = 4 << 20;

    private final NDManager manager;
    private final ScriptedModule module;
    private final NDArray empty;           // (0) float32: the "no input" argument
    private ByteBuffer chunk;              // direct, reused for every chunk read from a checkpoint, or null
    private float[] floats;                // the chunk widened in Java, reused, or null
    private int count;
    private long bytes;

    /** An empty store on the device of {@code manager} (whose arrays it uses for slot numbers). */
    public Bf16WeightStore(NDManager manager) {
        this.manager = manager;
        this.module = ScriptedModule.load(manager, ARCHIVE);
        this.empty = manager.create(new float[0]);
    }

    /**
     * Stores one weight.
     *
     * @param bf16Bits little-endian bfloat16 bits of an (out, in) weight, {@code 2·out·in} bytes, direct or heap
     * @return the handle that computes with it
     */
    public Weight add(ByteBuffer bf16Bits, long out, long in) {
        if (bf16Bits.remaining() != 2 * out * in) {
            throw new IllegalArgumentException("a (" + out + ", " + in + ") bfloat16 weight has " + 2 * out * in
                    + " bytes, got " + bf16Bits.remaining());
        }
        NDArray slot = manager.create((long) count);                                           // () int64
        try (NDManager scratch = manager.newSubManager()) {
            NDArray bits = scratch.create(bf16Bits, new Shape(out, in, 2), DataType.UINT8);   // (out, in, 2)
            module.call(scratch, empty, slot, bits);
        }
        count++;
        bytes += 2 * out * in;
        return new Weight(slot, out, in);
    }

    /**
     * Stores checkpoint tensor {@code name} (out, in) as bfloat16, read from the file in row chunks without mapping
     * it (BF16 bytes as they are; F32/F16 rounded to nearest even).
     *
     * @return the handle that computes with it
     */
    public Weight add(SafetensorsReader reader, String name, long out, long in) {
        return add(reader, name, out, in, Math.max(1, CHUNK_ELEMENTS / in));
    }

    /**
     * As {@link #add(SafetensorsReader, String, long, long)} with {@code rowsPerChunk} rows per chunk (tests). A chunk
     * is widened to float32 in Java and rounded to bfloat16 inside libtorch: exact for a BF16 checkpoint, round to
     * nearest even for F32/F16 (NaN payloads aside); decoding the uint8 bits inside TorchScript ran ~40× slower.
     */
    Weight add(SafetensorsReader reader, String name, long out, long in, long rowsPerChunk) {
        int chunkElements = (int) (in * Math.min(rowsPerChunk, out));
        ensureChunk(chunkElements);
        NDArray slot = manager.create((long) count);                                           // () int64
        for (long first = 0; first < out; first += rowsPerChunk) {
            long rows = Math.min(rowsPerChunk, out - first);
            int n = (int) (rows * in);
            reader.readFloats(name, first * in, floats, n);
            ByteBuffer view = chunk.clear().limit(4 * n);
            view.asFloatBuffer().put(floats, 0, n);
            try (NDManager scratch = manager.newSubManager()) {
                NDArray where = scratch.create(new long[] {count, first, out});               // (3) int64
                NDArray values = scratch.create(view, new Shape(rows, in), DataType.FLOAT32);  // (rows, in)
                module.call(scratch, empty, where, values);
            }
        }
        count++;
        bytes += 2 * out * in;
        return new Weight(slot, out, in);
    }

    /** The reused chunk buffers, grown when a row is larger than a chunk (direct memory leaves only by GC). */
    private void ensureChunk(int elements) {
        if (floats == null || floats.length < elements) {
            int size = Math.max(elements, CHUNK_ELEMENTS);
            floats = new float[size];
            chunk = ByteBuffer.allocateDirect(4 * size).order(ByteOrder.nativeOrder());
        }
    }

    /** Weights stored. */
    public int size() {
        return count;
    }

    /** Bytes of bfloat16 weights held. */
    public long bytes() {
        return bytes;
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
         * @return (..., out) float32 in {@code step}, computed in bfloat16
         */
        @Override
        public NDArray project(NDManager step, NDArray x) {
            return module.call(step, x, slot, empty);
        }

        /**
         * Rows of a stored embedding (V, C): {@code weight[ids]} widened to float32 (exact), no gradient.
         *
         * @param ids (...) int64 token ids in {@code step}
         * @return (..., C) float32 in {@code step}
         */
        public NDArray lookup(NDManager step, NDArray ids) {
            if (ids.getDataType() != DataType.INT64) {
                throw new IllegalArgumentException("embedding lookup needs INT64 ids, got " + ids.getDataType());
            }
            return module.call(step, ids, slot, empty);
        }

        /** The weight widened to float32 (out, in), in the store's manager (export and tests; exact). */
        @Override
        public NDArray widen() {
            return widen(manager);
        }

        /** The weight widened to float32 (out, in), in {@code target} (export and tests; exact). */
        @Override
        public NDArray widen(NDManager target) {
            return module.call(target, empty, slot, empty);
        }
    }
}
