package io.tuneforge.trainer.template.jinja;

import java.util.List;
import java.util.function.Function;

/** The {@code loop} variable inside a for loop: index, first/last, previtem/nextitem, cycle, changed, recursion. */
final class LoopContext implements PyCallable {

    private final List<Object> items;
    private final int depth0;
    private final Function<Object, String> recurse;
    int index0;
    private Object lastChanged = PyOps.MISSING;

    LoopContext(List<Object> items, int depth0, Function<Object, String> recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    /** The attribute {@code loop.name}, or {@link PyOps#MISSING}. */
    Object attribute(String name) {
        int length = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (length - index0);
            case "revindex0" -> (long) (length - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == length - 1;
            case "length" -> (long) length;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.attribute(this, "previtem");
            case "nextitem" -> index0 < length - 1 ? items.get(index0 + 1) : Undefined.attribute(this, "nextitem");
            case "cycle" -> (PyCallable) (args, kwargs) -> {
                if (args.isEmpty()) {
                    throw PyError.type("no items for cycling given");
                }
                return args.get(index0 % args.size());
            };
            case "changed" -> (PyCallable) (args, kwargs) -> {
                Object value = args.size() == 1 ? args.get(0) : new PyTuple(args);
                if (lastChanged != PyOps.MISSING && PyOps.eq(lastChanged, value)) {
                    return false;
                }
                lastChanged = value;
                return true;
            };
            default -> PyOps.MISSING;
        };
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }

    @Override
    public Object call(List<Object> args, java.util.Map<String, Object> kwargs) {
        if (recurse == null) {
            throw PyError.type("The loop must have the 'recursive' marker to be called recursively.");
        }
        if (args.size() != 1) {
            throw PyError.type("loop() takes exactly one argument");
        }
        return recurse.apply(args.get(0));
    }
}
