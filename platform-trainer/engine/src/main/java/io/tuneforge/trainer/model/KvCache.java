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
    private final boolean keepsTokens; // whether the model may need the tokens again (longrope's switch)
    private NDArray ids;               // (B, S) INT64: the tokens cached when keepsTokens, else null
    private NDArray sourceMask;        // (B, 1, 1, S) additive mask of an encoder-decoder's source, else null
    private int length;

    /** @param keepsTokens keep the cached tokens too, for a model that recomputes them (Phi-3's longrope) */
    KvCache(NDManager parent, int layers, boolean keepsTokens) {
        this.keepsTokens = keepsTokens;
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

    /** Layer {@code layer}'s cached (B, KV, S, hd) keys and values, or null when nothing was appended yet. */
    NDArray[] stored(int layer) {
        return keys[layer] == null ? null : new NDArray[] {keys[layer], values[layer]};
    }

    /** An encoder-decoder's additive source mask (B, 1, 1, S), kept with the rows; null when none was set. */
    NDArray sourceMask() {
        return sourceMask;
    }

    /** Keeps {@code mask} (B, 1, 1, S) as the source mask (a copy owned by the cache). */
    void sourceMask(NDArray mask) {
        NDArray own = mask.duplicate();
        own.attach(manager);
        if (sourceMask != null) {
            sourceMask.close();
        }
        sourceMask = own;
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
            if (sourceMask != null) {
                NDArray keptMask = sourceMask.get(new NDIndex("{}", scratch.create(indexes)
                        .toDevice(sourceMask.getDevice(), false)));                        // (B', 1, 1, S)
                keptMask.attach(manager);
                sourceMask.close();
                sourceMask = keptMask;
            }
            if (ids != null) {
                NDArray keptIds = ids.get(new NDIndex("{}", scratch.create(indexes).toDevice(ids.getDevice(),
                        false)));                                                          // (B', S)
                keptIds.attach(manager);
                ids.close();
                ids = keptIds;
            }
        }
    }

    /** Called by the model after all layers appended the (B, T) {@code tokens}. */
    void advance(NDArray tokens) {
        length += (int) tokens.getShape().get(1);
        if (!keepsTokens) {
            return;                                                         // no copy per decoded token
        }
        NDArray all = ids == null ? tokens.duplicate() : NDArrays.concat(new NDList(ids, tokens), 1);   // (B, S)
        all.attach(manager);
        if (ids != null) {
            ids.close();
        }
        ids = all;
    }

    /** The cached tokens (B, S), or null when empty or not kept. */
    NDArray ids() {
        return ids;
    }

    /** Forgets every position (the model recomputes them when its RoPE changes with the length, Phi-3's longrope). */
    void clear() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
                keys[i] = null;
                values[i] = null;
            }
        }
        if (ids != null) {
            ids.close();
            ids = null;
        }
        if (sourceMask != null) {
            sourceMask.close();
            sourceMask = null;
        }
        length = 0;
    }

    @Override
    public void close() {
        manager.close();
    }
}
