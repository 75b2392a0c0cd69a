package io.tuneforge.trainer.template.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Python's {@code str()} and {@code repr()} of template values: {@code None}, {@code True}, {@code [1, 'a']}, floats. */
final class PyRepr {

    private PyRepr() {
    }

    /** {@code str(value)} as jinja2 prints it: strings as they are, undefined as nothing, everything else as repr. */
    static String str(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Undefined) {
            return "";
        }
        return repr(value);
    }

    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        appendRepr(out, value);
        return out.toString();
    }

    static void appendRepr(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case Long l -> out.append(l.longValue());
            case BigInteger i -> out.append(i);
            case Double d -> out.append(floatRepr(d));
            case String s -> appendStringRepr(out, s);
            case List<?> list -> {
                out.append('[');
                appendItems(out, list);
                out.append(']');
            }
            case PyTuple tuple -> {
                out.append('(');
                appendItems(out, tuple.items());
                out.append(tuple.items().size() == 1 ? ",)" : ")");
            }
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        out.append(", ");
                    }
                    first = false;
                    appendRepr(out, e.getKey());
                    out.append(": ");
                    appendRepr(out, e.getValue());
                }
                out.append('}');
            }
            case Undefined u -> out.append("Undefined");
            case DictView view -> {
                out.append(view.kind()).append("([");
                appendItems(out, view.items());
                out.append("])");
            }
            default -> out.append(value);
        }
    }

    private static void appendItems(StringBuilder out, List<?> items) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            appendRepr(out, items.get(i));
        }
    }

    /** Python's repr of a str: single quotes unless the text holds ' and no ", escapes for unprintable characters. */
    static void appendStringRepr(StringBuilder out, String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || PyString.isPrintable(cp)) {
                out.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.append(String.format("\\U%08x", cp));
            }
        }
        out.append(quote);
    }

    /** Python's {@code repr(float)}: the shortest round-tripping digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int decpt = digits.length() - exact.scale();
        StringBuilder out = new StringBuilder();
        if (d < 0) {
            out.append('-');
        }
        if (decpt <= -4 || decpt > 16) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int exponent = decpt - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exponent));
            if (e.length() < 2) {
                out.append('0');
            }
            out.append(e);
        } else if (decpt <= 0) {
            out.append("0.").append("0".repeat(-decpt)).append(digits);
        } else if (decpt >= digits.length()) {
            out.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        } else {
            out.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        }
        return out.toString();
    }

    /** Python's type name of a value ({@code dict}, {@code str}, {@code NoneType}, ...). */
    static String typeName(Object value) {
        return switch (value) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger i -> "int";
            case Double d -> "float";
            case String s -> "str";
            case List<?> l -> "list";
            case PyTuple t -> "tuple";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case LoopContext l -> "LoopContext";
            case Macro m -> "Macro";
            case PyIterator it -> it.typeName();
            case PyRange r -> "range";
            case DictView view -> view.kind();
            case Cycler c -> "Cycler";
            default -> "function";
        };
    }

    /** jinja2's {@code object_type_repr}: {@code None}, or {@code dict object}, {@code jinja2.utils.Namespace object}. */
    static String objectTypeRepr(Object value) {
        return switch (value) {
            case null -> "None";
            case Namespace n -> "jinja2.utils.Namespace object";
            case LoopContext l -> "jinja2.runtime.LoopContext object";
            case Macro m -> "jinja2.runtime.Macro object";
            case Undefined u -> "jinja2.runtime.Undefined object";
            default -> typeName(value) + " object";
        };
    }
}
