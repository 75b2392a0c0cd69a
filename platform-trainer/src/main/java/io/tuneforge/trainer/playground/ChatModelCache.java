package io.tuneforge.trainer.playground;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The models kept in memory for chat, at most {@code capacity}, least recently used first out. An evicted model is
 * closed once its running generation (if any) ends. Thread-safe.
 */
final class ChatModelCache implements AutoCloseable {

    private final int capacity;
    private final Function<ChatModelSpec, LoadedChatModel> loader;
    private final LinkedHashMap<ChatModelSpec.Key, LoadedChatModel> models = new LinkedHashMap<>(8, 0.75f, true);
    private boolean closed;

    ChatModelCache(int capacity, Function<ChatModelSpec, LoadedChatModel> loader) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the chat model cache must hold at least one model, got " + capacity);
        }
        this.capacity = capacity;
        this.loader = loader;
    }

    /**
     * The loaded model for {@code spec}, loading it (and evicting the least recently used beyond the capacity) when
     * absent. Loading runs under the cache's lock, so one folder is never loaded twice at once.
     */
    LoadedChatModel get(ChatModelSpec spec) {
        List<LoadedChatModel> evicted;
        LoadedChatModel model;
        synchronized (this) {
            if (closed) {
                throw new PlaygroundException("The playground is shutting down");
            }
            model = models.get(spec.key());
            if (model != null && !model.isClosed()) {
                return model;
            }
            model = loader.apply(spec);
            models.put(spec.key(), model);
            evicted = overflow();
        }
        evicted.forEach(LoadedChatModel::close);     // outside the lock: closing waits for a running answer
        return model;
    }

    /** True when the folders of {@code spec} are loaded. */
    synchronized boolean contains(ChatModelSpec spec) {
        return models.containsKey(spec.key());
    }

    /** Cache keys from least to most recently used. */
    synchronized List<ChatModelSpec.Key> keys() {
        return List.copyOf(models.keySet());
    }

    private List<LoadedChatModel> overflow() {
        List<LoadedChatModel> out = new ArrayList<>();
        Iterator<Map.Entry<ChatModelSpec.Key, LoadedChatModel>> eldest = models.entrySet().iterator();
        while (models.size() > capacity && eldest.hasNext()) {
            out.add(eldest.next().getValue());
            eldest.remove();
        }
        return out;
    }

    @Override
    public void close() {
        List<LoadedChatModel> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(models.values());
            models.clear();
        }
        all.forEach(LoadedChatModel::close);
    }
}
