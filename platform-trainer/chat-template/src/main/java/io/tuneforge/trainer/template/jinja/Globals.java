package io.tuneforge.trainer.template.jinja;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The global functions a chat template can call: jinja2's {@code range}, {@code namespace}, {@code dict} and
 * Hugging Face's {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class Globals {

    /** jinja2's sandbox refuses ranges longer than this. */
    private static final int MAX_RANGE = 100_000;

    private Globals() {
    }

    static Map<String, Object> create(Clock clock) {
        Map<String, Object> globals = new HashMap<>();
        globals.put("range", (PyCallable) (args, kwargs) -> range(args));
        globals.put("namespace", (PyCallable) (args, kwargs) -> namespace(args, kwargs));
        globals.put("dict", (PyCallable) (args, kwargs) -> dict(args, kwargs));
        globals.put("joiner", (PyCallable) (args, kwargs) -> joiner(args.isEmpty() ? kwargs.getOrDefault("sep", ", ") : args.get(0)));
        globals.put("cycler", (PyCallable) (args, kwargs) -> new Cycler(args));
        globals.put("raise_exception", (PyCallable) (args, kwargs) -> {
            throw new Interpreter.Raised(args.isEmpty() ? "" : PyRepr.str(args.get(0)));
        });
        globals.put("strftime_now", (PyCallable) (args, kwargs) ->
                strftime(PyRepr.str(args.isEmpty() ? "" : args.get(0)), ZonedDateTime.now(clock)));
        return globals;
    }

    private static Object range(List<Object> args) {
        long start = 0;
        long stop;
        long step = 1;
        if (args.size() == 1) {
            stop = PyOps.toInt(args.get(0));
        } else if (args.size() >= 2) {
            start = PyOps.toInt(args.get(0));
            stop = PyOps.toInt(args.get(1));
            if (args.size() > 2) {
                step = PyOps.toInt(args.get(2));
            }
        } else {
            throw PyError.type("range expected at least 1 argument, got 0");
        }
        if (step == 0) {
            throw PyError.value("range() arg 3 must not be zero");
        }
        PyRange range = new PyRange(start, stop, step);
        if (range.size() > MAX_RANGE) {
            throw new PyError("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        }
        return range;
    }

    /** Python's {@code dict(mapping_or_pairs, **kwargs)}. */
    private static Object dict(List<Object> args, Map<String, Object> kwargs) {
        Map<Object, Object> out = new LinkedHashMap<>();
        if (args.size() > 1) {
            throw PyError.type("dict expected at most 1 argument, got " + args.size());
        }
        if (args.size() == 1) {
            if (args.get(0) instanceof Map<?, ?> map) {
                out.putAll(map);
            } else {
                for (Object pair : PyOps.iterate(args.get(0))) {
                    List<Object> kv = PyOps.iterate(pair);
                    if (kv.size() != 2) {
                        throw PyError.value("dictionary update sequence element has length " + kv.size() + "; 2 is required");
                    }
                    out.put(kv.get(0), kv.get(1));
                }
            }
        }
        out.putAll(kwargs);
        return out;
    }

    /** jinja2's {@code joiner(sep)}: returns '' on the first call and the separator afterwards. */
    private static PyCallable joiner(Object separator) {
        boolean[] used = {false};
        return (args, kwargs) -> {
            if (!used[0]) {
                used[0] = true;
                return "";
            }
            return separator;
        };
    }

    private static Object namespace(List<Object> args, Map<String, Object> kwargs) {
        Namespace ns = new Namespace();
        for (Object arg : args) {
            PyOps.asStringKeyMap(arg).forEach(ns.attributes::put);
        }
        ns.attributes.putAll(kwargs);
        return ns;
    }

    /** Python's {@code strftime} for the directives chat templates use (C locale). */
    static String strftime(String format, ZonedDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < format.length()) {
                noPad = true;
                d = format.charAt(++i);
            }
            String text = switch (d) {
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> two(t.getYear() % 100, false);
                case 'm' -> two(t.getMonthValue(), noPad);
                case 'd' -> two(t.getDayOfMonth(), noPad);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'H' -> two(t.getHour(), noPad);
                case 'I' -> two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, noPad);
                case 'M' -> two(t.getMinute(), noPad);
                case 'S' -> two(t.getSecond(), noPad);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'j' -> noPad ? Integer.toString(t.getDayOfYear()) : String.format("%03d", t.getDayOfYear());
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
                case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
                case 'F' -> String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
                case 'T' -> String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
                case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case '%' -> "%";
                default -> "%" + (noPad ? "-" : "") + d;
            };
            out.append(text);
        }
        return out.toString();
    }

    private static String two(int value, boolean noPad) {
        return noPad ? Integer.toString(value) : String.format("%02d", value);
    }
}
