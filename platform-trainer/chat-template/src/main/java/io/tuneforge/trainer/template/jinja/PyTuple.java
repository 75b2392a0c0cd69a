package io.tuneforge.trainer.template.jinja;

import java.util.List;

/**
 * A Python tuple: an immutable sequence that prints as {@code (1, 'a')} and serialises to JSON as a list; a named
 * tuple (groupby's {@code (grouper, list)}) also answers its field names as attributes.
 */
record PyTuple(List<Object> items, List<String> fieldNames) {

    PyTuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
        fieldNames = List.copyOf(fieldNames);
    }

    PyTuple(List<Object> items) {
        this(items, List.of());
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }
}
