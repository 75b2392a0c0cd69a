package io.tuneforge.trainer.template.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * A one-shot Python iterator, as jinja2's {@code map}, {@code select}, {@code selectattr}, {@code items},
 * {@code unique}, {@code batch}, {@code slice} (generators) and {@code reverse} (reverse iterators) return: always
 * truthy, iterable once, without {@code len()} or indexing; {@code |list} makes it a list.
 */
final class PyIterator {

    private final String typeName;
    private List<Object> remaining;

    PyIterator(String typeName, List<Object> items) {
        this.typeName = typeName;
        this.remaining = items;
    }

    static PyIterator generator(List<Object> items) {
        return new PyIterator("generator", items);
    }

    String typeName() {
        return typeName;
    }

    /** The items not yet consumed; the iterator is exhausted afterwards. */
    List<Object> drain() {
        List<Object> items = remaining;
        remaining = new ArrayList<>();
        return items;
    }

    @Override
    public String toString() {
        return "<" + typeName + " object>";
    }
}
