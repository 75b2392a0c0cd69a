package io.tuneforge.trainer.export;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A base checkpoint seen through a LoRA adapter: reading an adapted weight returns {@code W + scale · B·A}, every other
 * tensor passes through. One tensor in memory at a time, so merging streams.
 */
public final class MergedWeightSource implements WeightSource {

    private final WeightSource base;
    private final Optional<LoraAdapter> adapter;

    /** Fails when the adapter names a weight the base does not have (an adapter for another model). */
    public MergedWeightSource(WeightSource base, Optional<LoraAdapter> adapter) {
        this.base = base;
        this.adapter = adapter;
        adapter.ifPresent(a -> requireFits(base, a));
    }

    /** Fails when the adapter names a weight the base does not have (an adapter for another model). */
    static void requireFits(WeightSource base, LoraAdapter adapter) {
        Set<String> names = new HashSet<>(base.names());
        adapter.adaptedWeights().forEach(w -> {
            if (!names.contains(w)) {
                throw new ExportException("the adapter changes " + w + ", which the base model does not have; "
                        + "was it trained on another model?");
            }
        });
    }

    @Override
    public List<String> names() {
        return base.names();
    }

    @Override
    public long[] shape(String name) {
        return base.shape(name);
    }

    @Override
    public float[] read(String name) {
        float[] values = base.read(name);
        adapter.ifPresent(a -> a.mergeInto(name, base.shape(name), values));
        return values;
    }

    @Override
    public void close() {
        adapter.ifPresent(LoraAdapter::close);
        base.close();
    }
}
