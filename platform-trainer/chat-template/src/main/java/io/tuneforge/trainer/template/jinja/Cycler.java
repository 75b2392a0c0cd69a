package io.tuneforge.trainer.template.jinja;

import java.util.List;

/** jinja2's {@code cycler(a, b, ...)}: {@code next()} returns the items in turn; {@code current}; {@code reset()}. */
final class Cycler {

    private final List<Object> items;
    private int position;

    Cycler(List<Object> items) {
        if (items.isEmpty()) {
            throw PyError.type("at least one item has to be provided");
        }
        this.items = List.copyOf(new java.util.ArrayList<>(items).stream().map(i -> i == null ? NONE : i).toList());
    }

    private static final Object NONE = new Object();

    private static Object unwrap(Object o) {
        return o == NONE ? null : o;
    }

    /** The attribute {@code cycler.name}, or {@link PyOps#MISSING}. */
    Object attribute(String name) {
        return switch (name) {
            case "current" -> unwrap(items.get(position));
            case "next" -> (PyCallable) (args, kwargs) -> {
                Object value = items.get(position);
                position = (position + 1) % items.size();
                return unwrap(value);
            };
            case "reset" -> (PyCallable) (args, kwargs) -> {
                position = 0;
                return null;
            };
            default -> PyOps.MISSING;
        };
    }
}
