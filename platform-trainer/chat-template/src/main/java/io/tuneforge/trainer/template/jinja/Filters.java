package io.tuneforge.trainer.template.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * jinja2's built-in filters with their Python behaviour, plus Hugging Face's {@code tojson}
 * ({@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}).
 */
final class Filters {

    private Filters() {
    }

    static final Set<String> NAMES = Set.of("abs", "attr", "batch", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items",
            "join", "last", "length", "list", "lower", "map", "max", "min", "pprint", "reject", "rejectattr",
            "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "sum", "title",
            "tojson", "trim", "truncate", "unique", "upper", "wordcount");

    private static Object arg(List<Object> args, Map<String, Object> kwargs, int i, String name, Object fallback) {
        if (args.size() > i) {
            return args.get(i);
        }
        return kwargs.getOrDefault(name, fallback);
    }

    static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs, Interpreter interpreter) {
        return switch (name) {
            case "abs" -> abs(value);
            case "attr" -> PyOps.getAttr(value, PyRepr.str(arg(args, kwargs, 0, "name", "")));
            case "batch" -> PyIterator.generator(batch(value, PyOps.toInt(arg(args, kwargs, 0, "linecount", 1L)),
                    arg(args, kwargs, 1, "fill_with", PyOps.MISSING)));
            case "capitalize" -> PyString.capitalize(PyRepr.str(value));
            case "center" -> PyString.call(PyRepr.str(value), "center", List.of(arg(args, kwargs, 0, "width", 80L)),
                    Map.of());
            case "count", "length" -> (long) PyOps.length(value);
            case "d", "default" -> {
                Object fallback = arg(args, kwargs, 0, "default_value", "");
                boolean booleanMode = PyOps.truthy(arg(args, kwargs, 1, "boolean", false));
                yield value instanceof Undefined || (booleanMode && !PyOps.truthy(value)) ? fallback : value;
            }
            case "dictsort" -> dictsort(value, PyOps.truthy(arg(args, kwargs, 0, "case_sensitive", false)),
                    PyRepr.str(arg(args, kwargs, 1, "by", "key")), PyOps.truthy(arg(args, kwargs, 2, "reverse", false)));
            case "e", "escape", "forceescape" -> escape(PyRepr.str(value));
            case "first" -> {
                List<Object> items = PyOps.iterate(value);
                yield items.isEmpty() ? Undefined.hint("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                if (value instanceof PyIterator it) {
                    throw PyError.type("'" + it.typeName() + "' object is not reversible");
                }
                List<Object> items = PyOps.iterate(value);
                yield items.isEmpty() ? Undefined.hint("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "float" -> toFloat(value, arg(args, kwargs, 0, "default", 0.0));
            case "format" -> {
                if (!args.isEmpty() && !kwargs.isEmpty()) {
                    throw new PyError("FilterArgumentError: can't handle positional and keyword arguments at the same time");
                }
                Object formatArgs = kwargs.isEmpty() ? new PyTuple(args) : new LinkedHashMap<Object, Object>(kwargs);
                yield PyFormat.percent(PyRepr.str(value), formatArgs);
            }
            case "groupby" -> groupby(value, arg(args, kwargs, 0, "attribute", null),
                    arg(args, kwargs, 1, "default", null), PyOps.truthy(arg(args, kwargs, 2, "case_sensitive", false)));
            case "indent" -> indent(requireStr(value, "+="), arg(args, kwargs, 0, "width", 4L),
                    PyOps.truthy(arg(args, kwargs, 1, "first", false)), PyOps.truthy(arg(args, kwargs, 2, "blank", false)));
            case "int" -> toInteger(value, arg(args, kwargs, 0, "default", 0L), PyOps.toInt(arg(args, kwargs, 1, "base", 10L)));
            case "items" -> {
                if (value instanceof Undefined) {
                    yield PyIterator.generator(new ArrayList<>());
                }
                if (!(value instanceof Map<?, ?> map)) {
                    throw PyError.type("Can only get item pairs from a mapping.");
                }
                List<Object> items = new ArrayList<>();
                map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
                yield PyIterator.generator(items);
            }
            case "join" -> {
                String separator = PyRepr.str(arg(args, kwargs, 0, "d", ""));
                Object attribute = arg(args, kwargs, 1, "attribute", null);
                StringBuilder out = new StringBuilder();
                boolean first = true;
                for (Object item : PyOps.iterate(value)) {
                    if (!first) {
                        out.append(separator);
                    }
                    first = false;
                    out.append(PyRepr.str(attribute == null ? item : attribute(item, attribute, null)));
                }
                yield out.toString();
            }
            case "list" -> new ArrayList<>(PyOps.iterate(value));
            case "lower" -> PyString.lower(PyRepr.str(value));
            case "upper" -> PyString.upper(PyRepr.str(value));
            case "map" -> PyIterator.generator(map(value, args, kwargs, interpreter));
            case "max", "min" -> minMax(value, name.equals("max"), PyOps.truthy(arg(args, kwargs, 0, "case_sensitive", false)),
                    arg(args, kwargs, 1, "attribute", null));
            case "pprint" -> PyRepr.repr(sortedDicts(value));
            case "select", "reject" -> PyIterator.generator(
                    selectOrReject(value, args, kwargs, name.equals("select"), false, interpreter));
            case "selectattr", "rejectattr" -> PyIterator.generator(
                    selectOrReject(value, args, kwargs, name.equals("selectattr"), true, interpreter));
            case "replace" -> {
                Object count = arg(args, kwargs, 2, "count", null);
                yield PyString.replace(PyRepr.str(value), PyRepr.str(arg(args, kwargs, 0, "old", "")),
                        PyRepr.str(arg(args, kwargs, 1, "new", "")), count == null ? -1 : PyOps.toInt(count));
            }
            case "reverse" -> {
                if (value instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> items = new ArrayList<>(PyOps.iterate(value));
                java.util.Collections.reverse(items);
                yield switch (value) {
                    case List<?> l -> new PyIterator("list_reverseiterator", items);
                    case PyTuple t -> new PyIterator("reversed", items);
                    case Map<?, ?> m -> new PyIterator("dict_reversekeyiterator", items);
                    default -> items;
                };
            }
            case "round" -> round(value, PyOps.toInt(arg(args, kwargs, 0, "precision", 0L)),
                    PyRepr.str(arg(args, kwargs, 1, "method", "common")));
            case "safe", "string" -> PyRepr.str(value);
            case "slice" -> PyIterator.generator(slice(value, PyOps.toInt(arg(args, kwargs, 0, "slices", 1L)),
                    arg(args, kwargs, 1, "fill_with", PyOps.MISSING)));
            case "sort" -> sort(value, PyOps.truthy(arg(args, kwargs, 0, "reverse", false)),
                    PyOps.truthy(arg(args, kwargs, 1, "case_sensitive", false)), arg(args, kwargs, 2, "attribute", null));
            case "sum" -> {
                Object attribute = arg(args, kwargs, 0, "attribute", null);
                Object total = arg(args, kwargs, 1, "start", 0L);
                for (Object item : PyOps.iterate(value)) {
                    total = PyOps.add(total, attribute == null ? item : attribute(item, attribute, null));
                }
                yield total;
            }
            case "title" -> title(PyRepr.str(value));
            case "tojson" -> new JsonDumps(arg(args, kwargs, 1, "indent", null), arg(args, kwargs, 2, "separators", null),
                    PyOps.truthy(arg(args, kwargs, 3, "sort_keys", false)),
                    PyOps.truthy(arg(args, kwargs, 0, "ensure_ascii", false))).dumps(value);
            case "trim" -> PyString.strip(PyRepr.str(value), arg(args, kwargs, 0, "chars", null), true, true);
            case "truncate" -> !(value instanceof String) && value != null && !(value instanceof Undefined)
                    && PyOps.length(value) <= PyOps.toInt(arg(args, kwargs, 0, "length", 255L))
                    + PyOps.toInt(arg(args, kwargs, 3, "leeway", 5L)) ? value : truncate(requireStr(value, "len"), PyOps.toInt(arg(args, kwargs, 0, "length", 255L)),
                    PyOps.truthy(arg(args, kwargs, 1, "killwords", false)), PyRepr.str(arg(args, kwargs, 2, "end", "...")),
                    PyOps.toInt(arg(args, kwargs, 3, "leeway", 5L)));
            case "unique" -> PyIterator.generator(unique(value, PyOps.truthy(arg(args, kwargs, 0, "case_sensitive", false)),
                    arg(args, kwargs, 1, "attribute", null)));
            case "wordcount" -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\w+",
                        java.util.regex.Pattern.UNICODE_CHARACTER_CLASS).matcher(PyRepr.str(value));
                long count = 0;
                while (m.find()) {
                    count++;
                }
                yield count;
            }
            default -> throw new PyError("TemplateAssertionError: No filter named '" + name + "'.");
        };
    }

    /** Filters that do string arithmetic on their input fail for other types, as in Python. */
    private static String requireStr(Object value, String operation) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Undefined u) {
            if (operation.equals("len")) {
                return "";
            }
            throw u.fail();
        }
        if (operation.equals("len")) {
            PyOps.length(value);
            throw PyError.type("'" + PyRepr.typeName(value) + "' object has no attribute 'rsplit'");
        }
        throw PyError.type("unsupported operand type(s) for +=: '" + PyRepr.typeName(value) + "' and 'str'");
    }

    /** pprint's view of a value: dicts with sorted keys, recursively. */
    private static Object sortedDicts(Object value) {
        if (value instanceof Map<?, ?> map) {
            List<Object> keys = new ArrayList<>(map.keySet());
            keys.sort(comparator(true));
            Map<Object, Object> sorted = new LinkedHashMap<>();
            for (Object k : keys) {
                sorted.put(k, sortedDicts(map.get(k)));
            }
            return sorted;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(sortedDicts(v)));
            return out;
        }
        return value;
    }

    private static Object abs(Object value) {
        if (value instanceof Double d) {
            return Math.abs(d);
        }
        if (PyOps.isInt(value)) {
            return PyOps.normalize(PyOps.bigInt(value).abs());
        }
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        throw PyError.type("bad operand type for abs(): '" + PyRepr.typeName(value) + "'");
    }

    /** jinja2's attribute getter: dotted paths, integer parts as indices, optional default for undefined. */
    static Object attribute(Object item, Object attribute, Object fallback) {
        Object current = item;
        List<Object> parts = attribute instanceof String s ? new ArrayList<>(List.of((Object[]) s.split("\\.", -1)))
                : List.of(attribute);
        for (Object part : parts) {
            Object key = part instanceof String p && !p.isEmpty() && p.chars().allMatch(Character::isDigit)
                    ? (Object) Long.parseLong(p) : part;
            current = PyOps.getItem(current, key);
            if (current instanceof Undefined && fallback != null) {
                return fallback;
            }
        }
        return current;
    }

    private static List<Object> map(Object value, List<Object> args, Map<String, Object> kwargs, Interpreter interpreter) {
        List<Object> out = new ArrayList<>();
        if (!PyOps.truthy(value)) {
            return out;
        }
        if (args.isEmpty() && kwargs.containsKey("attribute")) {
            Object attribute = kwargs.get("attribute");
            Object fallback = kwargs.get("default");
            for (Object item : PyOps.iterate(value)) {
                out.add(attribute(item, attribute, fallback));
            }
            return out;
        }
        if (args.isEmpty()) {
            throw new PyError("FilterArgumentError: map requires a filter argument");
        }
        String filter = PyRepr.str(args.get(0));
        List<Object> rest = args.subList(1, args.size());
        for (Object item : PyOps.iterate(value)) {
            out.add(apply(filter, item, rest, kwargs, interpreter));
        }
        return out;
    }

    private static List<Object> selectOrReject(Object value, List<Object> args, Map<String, Object> kwargs, boolean select,
            boolean byAttribute, Interpreter interpreter) {
        List<Object> out = new ArrayList<>();
        if (!PyOps.truthy(value)) {
            return out;
        }
        int offset = byAttribute ? 1 : 0;
        Object attribute = byAttribute ? args.get(0) : null;
        String test = args.size() > offset ? PyRepr.str(args.get(offset)) : null;
        List<Object> testArgs = args.size() > offset + 1 ? args.subList(offset + 1, args.size()) : List.of();
        for (Object item : PyOps.iterate(value)) {
            Object subject = byAttribute ? attribute(item, attribute, null) : item;
            boolean passes = test == null ? PyOps.truthy(subject) : Tests.apply(test, subject, testArgs, Map.of());
            if (passes == select) {
                out.add(item);
            }
        }
        return out;
    }

    private static Object sortKey(Object item, boolean caseSensitive) {
        return !caseSensitive && item instanceof String s ? PyString.lower(s) : item;
    }

    /** Python's comparison of one-element key lists: equal values compare equal without '<'. */
    private static Comparator<Object> comparator(boolean caseSensitive) {
        return (a, b) -> {
            Object x = sortKey(a, caseSensitive);
            Object y = sortKey(b, caseSensitive);
            return PyOps.eq(x, y) ? 0 : PyOps.compare(x, y, "<");
        };
    }

    private static Object dictsort(Object value, boolean caseSensitive, String by, boolean reverse) {
        if (!(value instanceof Map<?, ?> map)) {
            throw PyError.type("dictsort needs a mapping");
        }
        int pos = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new PyError("FilterArgumentError: You can only sort by either \"key\" or \"value\"");
        };
        List<Object> items = new ArrayList<>();
        map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
        Comparator<Object> c = comparator(caseSensitive);
        items.sort((a, b) -> c.compare(((PyTuple) a).items().get(pos), ((PyTuple) b).items().get(pos)));
        if (reverse) {
            java.util.Collections.reverse(items);
        }
        return items;
    }

    private static Object sort(Object value, boolean reverse, boolean caseSensitive, Object attribute) {
        List<Object> items = new ArrayList<>(PyOps.iterate(value));
        Comparator<Object> c = comparator(caseSensitive);
        List<Object> attributes = attribute instanceof String s ? List.of((Object[]) s.split(",", -1))
                : java.util.Collections.singletonList(attribute);
        Comparator<Object> byKey = attribute == null ? c : (a, b) -> {
            for (Object part : attributes) {
                int r = c.compare(attribute(a, part, null), attribute(b, part, null));
                if (r != 0) {
                    return r;
                }
            }
            return 0;
        };
        items.sort(reverse ? byKey.reversed() : byKey);
        return items;
    }

    private static List<Object> unique(Object value, boolean caseSensitive, Object attribute) {
        List<Object> out = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        for (Object item : PyOps.iterate(value)) {
            Object key = sortKey(attribute == null ? item : attribute(item, attribute, null), caseSensitive);
            if (key instanceof List<?> || key instanceof Map<?, ?>) {
                throw PyError.type("unhashable type: '" + PyRepr.typeName(key) + "'");
            }
            if (seen.stream().noneMatch(s -> PyOps.eq(s, key))) {
                seen.add(key);
                out.add(item);
            }
        }
        return out;
    }

    private static Object minMax(Object value, boolean max, boolean caseSensitive, Object attribute) {
        List<Object> items = PyOps.iterate(value);
        if (items.isEmpty()) {
            return Undefined.hint("No aggregated item, sequence was empty.");
        }
        Comparator<Object> c = comparator(caseSensitive);
        Object best = items.get(0);
        for (Object item : items.subList(1, items.size())) {
            Object a = attribute == null ? item : attribute(item, attribute, null);
            Object b = attribute == null ? best : attribute(best, attribute, null);
            int cmp = c.compare(a, b);
            if (max ? cmp > 0 : cmp < 0) {
                best = item;
            }
        }
        return best;
    }

    private static Object groupby(Object value, Object attribute, Object fallback, boolean caseSensitive) {
        List<Object> items = new ArrayList<>(PyOps.iterate(value));
        Comparator<Object> c = comparator(caseSensitive);
        items.sort((a, b) -> c.compare(attribute(a, attribute, fallback), attribute(b, attribute, fallback)));
        List<Object> groups = new ArrayList<>();
        Object currentKey = PyOps.MISSING;
        List<Object> currentList = null;
        for (Object item : items) {
            Object key = sortKey(attribute(item, attribute, fallback), caseSensitive);
            if (currentKey == PyOps.MISSING || !PyOps.eq(currentKey, key)) {
                currentList = new ArrayList<>();
                groups.add(new PyTuple(java.util.Arrays.asList(attribute(item, attribute, fallback), currentList),
                        List.of("grouper", "list")));
                currentKey = key;
            }
            currentList.add(item);
        }
        return groups;
    }

    private static List<Object> batch(Object value, int size, Object fill) {
        List<Object> out = new ArrayList<>();
        List<Object> tmp = new ArrayList<>();
        for (Object item : PyOps.iterate(value)) {
            if (tmp.size() == size) {
                out.add(tmp);
                tmp = new ArrayList<>();
            }
            tmp.add(item);
        }
        if (!tmp.isEmpty()) {
            if (fill != PyOps.MISSING && fill != null) {
                while (tmp.size() < size) {
                    tmp.add(fill);
                }
            }
            out.add(tmp);
        }
        return out;
    }

    private static List<Object> slice(Object value, int slices, Object fill) {
        List<Object> seq = PyOps.iterate(value);
        int length = seq.size();
        int perSlice = length / slices;
        int withExtra = length % slices;
        int offset = 0;
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            int start = offset + i * perSlice;
            if (i < withExtra) {
                offset++;
            }
            int end = offset + (i + 1) * perSlice;
            List<Object> part = new ArrayList<>(seq.subList(start, end));
            if (fill != PyOps.MISSING && fill != null && i >= withExtra) {
                part.add(fill);
            }
            out.add(part);
        }
        return out;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String indent(String s, Object width, boolean first, boolean blank) {
        String indention = width instanceof String w ? w : " ".repeat(Math.max(0, PyOps.toInt(width)));
        s = s + "\n";
        List<Object> lines = PyString.splitlines(s, false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    rv.append('\n').append(indention);
                }
                rv.append((String) lines.get(i));
            }
        } else {
            rv.append((String) lines.get(0));
            if (lines.size() > 1) {
                rv.append('\n');
                for (int i = 1; i < lines.size(); i++) {
                    if (i > 1) {
                        rv.append('\n');
                    }
                    String line = (String) lines.get(i);
                    rv.append(line.isEmpty() ? line : indention + line);
                }
            }
        }
        return first ? indention + rv : rv.toString();
    }

    /** jinja2's {@code title} filter: upper-cases the first letter after spaces, dashes and brackets. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[-\\s({\\[<]+").matcher(s);
        int last = 0;
        while (m.find()) {
            appendTitleWord(out, s.substring(last, m.start()));
            out.append(m.group());
            last = m.end();
        }
        appendTitleWord(out, s.substring(last));
        return out.toString();
    }

    private static void appendTitleWord(StringBuilder out, String word) {
        if (word.isEmpty()) {
            return;
        }
        int first = word.codePointAt(0);
        out.append(PyString.upper(new String(Character.toChars(first))))
                .append(PyString.lower(word.substring(Character.charCount(first))));
    }

    private static Object round(Object value, int precision, String method) {
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw new PyError("FilterArgumentError: method must be common, ceil or floor");
        }
        if (method.equals("common")) {
            if (PyOps.isInt(value)) {
                return value instanceof Boolean b ? (b ? 1L : 0L) : value;
            }
            double d = PyOps.toDouble(value);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d;
            }
            return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).doubleValue();
        }
        double factor = Math.pow(10, precision);
        double scaled = PyOps.toDouble(value) * factor;
        return (method.equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled)) / factor;
    }

    private static Object toInteger(Object value, Object fallback, int base) {
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        try {
            if (value instanceof String s) {
                String t = PyString.strip(s, null, true, true).replace("_", "");
                try {
                    String digits = t;
                    if (base == 16 && (t.startsWith("0x") || t.startsWith("0X"))) {
                        digits = t.substring(2);
                    }
                    return PyOps.normalize(new BigInteger(digits, base));
                } catch (NumberFormatException e) {
                    return PyOps.normalize(new BigDecimal(Double.parseDouble(t)).toBigInteger());
                }
            }
            if (value instanceof Double d) {
                return PyOps.normalize(new BigDecimal(d).toBigInteger());
            }
            if (PyOps.isInt(value)) {
                return PyOps.normalize(PyOps.bigInt(value));
            }
            return fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Object toFloat(Object value, Object fallback) {
        if (value instanceof Undefined u) {
            throw u.fail();
        }
        if (value instanceof String s) {
            String t = PyString.strip(s, null, true, true).replace("_", "");
            String lower = t.toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("inf") || lower.equals("+inf") || lower.equals("infinity")) {
                return Double.POSITIVE_INFINITY;
            }
            if (lower.equals("-inf") || lower.equals("-infinity")) {
                return Double.NEGATIVE_INFINITY;
            }
            if (lower.equals("nan")) {
                return Double.NaN;
            }
            try {
                if (t.isEmpty() || t.matches(".*[a-zA-Z&&[^eE]].*")) {
                    return fallback;
                }
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        if (PyOps.isNumber(value)) {
            return PyOps.toDouble(value);
        }
        return fallback;
    }

    private static String truncate(String s, int length, boolean killwords, String end, int leeway) {
        int len = PyString.length(s);
        if (len <= length + leeway) {
            return s;
        }
        int[] cps = PyString.codePoints(s);
        int cut = Math.max(0, length - PyString.length(end));
        if (killwords) {
            return PyString.fromCodePoints(cps, 0, cut) + end;
        }
        String head = PyString.fromCodePoints(cps, 0, cut);
        int space = head.lastIndexOf(' ');
        return (space >= 0 ? head.substring(0, space) : head) + end;
    }
}
