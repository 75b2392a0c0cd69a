package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Keys and values of the tokens seen so far, per layer, for incremental decoding: each forward with a cache
 * attends to the cached positions plus its own and appends its keys/values. Owns its arrays (independent of the
 * per-step managers); close it when the sequence is done. Inference only (no gradients).
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;     // per layer (B, KV, S, hd)
    private final NDArray[] values;   // per layer (B, KV, S, hd)
    private int length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of cached positions (the position of the next token). */
    public int length() {
        return length;
    }

    /** Appends this step's keys/values for {@code layer}; returns the full (B, KV, S, hd) pair. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray fullK = keys[layer] == null ? k.duplicate() : NDArrays.concat(new NDList(keys[layer], k), 2);
        NDArray fullV = values[layer] == null ? v.duplicate() : NDArrays.concat(new NDList(values[layer], v), 2);
        fullK.attach(manager);
        fullV.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = fullK;
        values[layer] = fullV;
        return new NDArray[] {fullK, fullV};
    }

    /**
     * Keeps only the given batch rows, in that order (a batch drops the rows that finished generating).
     *
     * @param rows indexes into the current batch dimension B
     */
    public void keepRows(int[] rows) {
        try (NDManager scratch = manager.newSubManager()) {
            long[] indexes = new long[rows.length];
            for (int i = 0; i < rows.length; i++) {
                indexes[i] = rows[i];
            }
            for (int layer = 0; layer < keys.length; layer++) {
                if (keys[layer] == null) {
                    continue;
                }
                NDArray index = scratch.create(indexes).toDevice(keys[layer].getDevice(), false); // (B')
                NDArray keptK = keys[layer].get(new NDIndex("{}", index));                    // (B', KV, S, hd)
                NDArray keptV = values[layer].get(new NDIndex("{}", index));                  // (B', KV, S, hd)
                keptK.attach(manager);
                keptV.attach(manager);
                keys[layer].close();
                values[layer].close();
                keys[layer] = keptK;
                values[layer] = keptV;
            }
        }
    }

    /** Called by the model after all layers appended {@code tokens} positions. */
    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
