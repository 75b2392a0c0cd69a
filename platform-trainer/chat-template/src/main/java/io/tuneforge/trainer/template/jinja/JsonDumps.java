package io.tuneforge.trainer.template.jinja;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as Hugging Face's {@code tojson} filter calls it: {@code ensure_ascii=False}, key order
 * kept (or {@code sort_keys}), floats as Python's {@code repr} ({@code 1e-07}, {@code 1.0}), unbounded ints,
 * {@code indent} as a count or a string, {@code separators} as a pair.
 */
final class JsonDumps {

    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    JsonDumps(Object indent, Object separators, boolean sortKeys, boolean ensureAscii) {
        this.indent = switch (indent) {
            case null -> null;
            case String s -> s;
            default -> " ".repeat(Math.max(0, PyOps.toInt(indent)));
        };
        if (separators != null) {
            List<Object> pair = PyOps.iterate(separators);
            if (pair.size() != 2) {
                throw PyError.value("separators must be an (item_separator, key_separator) pair");
            }
            this.itemSeparator = PyRepr.str(pair.get(0));
            this.keySeparator = PyRepr.str(pair.get(1));
        } else {
            this.itemSeparator = indent == null ? ", " : ",";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void newline(StringBuilder out, int level) {
        out.append('\n');
        for (int i = 0; i < level; i++) {
            out.append(indent);
        }
    }

    private void write(StringBuilder out, Object value, int level) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l.longValue());
            case BigInteger i -> out.append(i);
            case Double d -> out.append(floatText(d));
            case String s -> writeString(out, s);
            case List<?> list -> writeArray(out, list, level);
            case PyTuple tuple -> writeArray(out, tuple.items(), level);
            case Map<?, ?> map -> writeObject(out, map, level);
            default -> throw PyError.type("Object of type " + PyRepr.typeName(value) + " is not JSON serializable");
        }
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyRepr.floatRepr(d);
    }

    private void writeArray(StringBuilder out, List<?> list, int level) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator);
            }
            if (indent != null) {
                newline(out, level + 1);
            }
            write(out, list.get(i), level + 1);
        }
        if (indent != null) {
            newline(out, level);
        }
        out.append(']');
    }

    private void writeObject(StringBuilder out, Map<?, ?> map, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) {
            entries.sort((a, b) -> PyOps.compare(a.getKey(), b.getKey(), "<"));
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) {
                out.append(itemSeparator);
            }
            first = false;
            if (indent != null) {
                newline(out, level + 1);
            }
            writeString(out, keyText(e.getKey()));
            out.append(keySeparator);
            write(out, e.getValue(), level + 1);
        }
        if (indent != null) {
            newline(out, level);
        }
        out.append('}');
    }

    private static String keyText(Object key) {
        return switch (key) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> floatText(d);
            case Long l -> l.toString();
            case BigInteger i -> i.toString();
            default -> throw PyError.type("keys must be str, int, float, bool or None, not " + PyRepr.typeName(key));
        };
    }

    private void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
