package io.tuneforge.trainer.template.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Python {@code str} semantics on Java strings: lengths and indices count code points (not UTF-16 units), whitespace
 * is Python's {@code str.isspace()}, and the string methods templates call ({@code strip(chars)}, {@code split},
 * {@code startswith(tuple)}, ...) behave as in CPython.
 */
final class PyString {

    private PyString() {
    }

    static final Set<String> METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit",
            "splitlines", "replace", "upper", "lower", "title", "capitalize", "swapcase", "casefold", "find", "rfind",
            "index", "rindex", "count", "format", "join", "center", "ljust", "rjust", "zfill", "isdigit", "isalpha",
            "isalnum", "isspace", "isupper", "islower", "isnumeric", "isdecimal", "istitle", "partition", "rpartition",
            "removeprefix", "removesuffix", "expandtabs", "encode", "format_map", "isidentifier", "isprintable",
            "isascii");

    /** Python's {@code str.isspace()} for one code point (also what {@code \s} matches in Python's re). */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0b, 0x0c, '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f,
                    0x205f, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200a;
        };
    }

    /** Python's {@code str.isprintable()} for one code point. */
    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        int type = Character.getType(cp);
        return switch (type) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** {@code len(s)} in code points. */
    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    static String fromCodePoints(int[] cps, int from, int to) {
        return new String(cps, from, Math.max(0, to - from));
    }

    /** The UTF-16 offset of code point index {@code cpIndex}. */
    static int offset(String s, int cpIndex) {
        return s.offsetByCodePoints(0, cpIndex);
    }

    /** The code point index of UTF-16 offset {@code offset}. */
    static int cpIndex(String s, int offset) {
        return s.codePointCount(0, offset);
    }

    // ---- strip family ------------------------------------------------------------------------------------------

    static String strip(String s, Object chars, boolean left, boolean right) {
        if (chars != null && !(chars instanceof String)) {
            throw PyError.type("strip arg must be None or str");
        }
        String set = (String) chars;
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!stripMatches(cp, set)) {
                    break;
                }
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!stripMatches(cp, set)) {
                    break;
                }
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    private static boolean stripMatches(int cp, String set) {
        return set == null ? isSpace(cp) : set.indexOf(cp) >= 0;
    }

    // ---- split family ------------------------------------------------------------------------------------------

    static List<Object> split(String s, Object sep, int maxsplit) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) {
                    j += Character.charCount(s.codePointAt(j));
                }
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        String separator = requireSeparator(sep);
        int start = 0;
        while (maxsplit < 0 || parts.size() < maxsplit) {
            int idx = s.indexOf(separator, start);
            if (idx < 0) {
                break;
            }
            parts.add(s.substring(start, idx));
            start = idx + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    static List<Object> rsplit(String s, Object sep, int maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.codePointBefore(end))) {
                    end -= Character.charCount(s.codePointBefore(end));
                }
                if (end <= 0) {
                    break;
                }
                if (parts.size() == maxsplit) {
                    parts.add(s.substring(0, end));
                    break;
                }
                int j = end;
                while (j > 0 && !isSpace(s.codePointBefore(j))) {
                    j -= Character.charCount(s.codePointBefore(j));
                }
                parts.add(s.substring(j, end));
                end = j;
            }
        } else {
            String separator = requireSeparator(sep);
            int end = s.length();
            while (parts.size() < maxsplit) {
                int idx = s.lastIndexOf(separator, end - separator.length());
                if (idx < 0) {
                    break;
                }
                parts.add(s.substring(idx + separator.length(), end));
                end = idx;
            }
            parts.add(s.substring(0, end));
        }
        java.util.Collections.reverse(parts);
        return parts;
    }

    private static String requireSeparator(Object sep) {
        if (!(sep instanceof String separator)) {
            throw PyError.type("must be str or None, not " + PyRepr.typeName(sep));
        }
        if (separator.isEmpty()) {
            throw PyError.value("empty separator");
        }
        return separator;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol;
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                eol = 2;
            } else if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                eol = 1;
            } else {
                i++;
                continue;
            }
            lines.add(s.substring(start, keepends ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < n) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    // ---- case --------------------------------------------------------------------------------------------------

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code str.title()}: a cased character after an uncased one starts a word. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (previousCased) {
                out.append(lower(new String(Character.toChars(cp))));
            } else {
                out.append(titleCase(cp));
            }
            previousCased = isCased(cp);
        }
        return out.toString();
    }

    /** Python's {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return titleCase(first) + lower(s.substring(Character.charCount(first)));
    }

    /** Full Unicode title case of one code point ({@code ß} becomes {@code Ss}, {@code ǆ} becomes {@code ǅ}). */
    static String titleCase(int cp) {
        int simple = Character.toTitleCase(cp);
        if (simple != cp) {
            return new String(Character.toChars(simple));
        }
        String upper = upper(new String(Character.toChars(cp)));
        if (upper.codePointCount(0, upper.length()) > 1) {
            int head = upper.codePointAt(0);
            return new String(Character.toChars(head)) + lower(upper.substring(Character.charCount(head)));
        }
        return new String(Character.toChars(cp));
    }

    static String swapcase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isUpperCase(cp)) {
                out.append(lower(new String(Character.toChars(cp))));
            } else if (Character.isLowerCase(cp)) {
                out.append(upper(new String(Character.toChars(cp))));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    // ---- searching ---------------------------------------------------------------------------------------------

    /** Python's start/end arguments (code point indices, negatives from the end) as UTF-16 offsets. */
    private static int[] range(String s, List<Object> args, int from) {
        int len = length(s);
        int start = 0;
        int end = len;
        if (args.size() > from && args.get(from) != null) {
            start = PyOps.clampIndex(PyOps.toInt(args.get(from)), len);
        }
        if (args.size() > from + 1 && args.get(from + 1) != null) {
            end = PyOps.clampIndex(PyOps.toInt(args.get(from + 1)), len);
        }
        return new int[] {offset(s, Math.min(start, len)), offset(s, Math.min(Math.max(end, 0), len)), start, end};
    }

    static int find(String s, String sub, List<Object> args, boolean reverse) {
        int[] r = range(s, args, 1);
        if (r[2] > r[3] || r[2] > length(s)) {
            return -1;
        }
        String window = s.substring(r[0], r[1]);
        int idx = reverse ? window.lastIndexOf(sub) : window.indexOf(sub);
        return idx < 0 ? -1 : cpIndex(s, r[0] + idx);
    }

    static int count(String s, String sub, List<Object> args) {
        int[] r = range(s, args, 1);
        if (r[2] > r[3]) {
            return 0;
        }
        String window = s.substring(r[0], r[1]);
        if (sub.isEmpty()) {
            return length(window) + 1;
        }
        int count = 0;
        for (int idx = window.indexOf(sub); idx >= 0; idx = window.indexOf(sub, idx + sub.length())) {
            count++;
        }
        return count;
    }

    static boolean startsOrEndsWith(String s, Object affix, List<Object> args, boolean ends) {
        int[] r = range(s, args, 1);
        String window = r[2] > r[3] ? "" : s.substring(r[0], Math.max(r[0], r[1]));
        if (r[2] > length(s)) {
            return false;
        }
        if (affix instanceof PyTuple tuple) {
            for (Object candidate : tuple.items()) {
                if (startsOrEndsWith(window, candidate, ends)) {
                    return true;
                }
            }
            return false;
        }
        if (!(affix instanceof String)) {
            throw PyError.type((ends ? "endswith" : "startswith")
                    + " first arg must be str or a tuple of str, not " + PyRepr.typeName(affix));
        }
        return startsOrEndsWith(window, affix, ends);
    }

    private static boolean startsOrEndsWith(String window, Object affix, boolean ends) {
        if (!(affix instanceof String a)) {
            throw PyError.type("tuple for startswith must only contain str, not " + PyRepr.typeName(affix));
        }
        return ends ? window.endsWith(a) : window.startsWith(a);
    }

    static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder out = new StringBuilder(replacement);
                s.codePoints().forEach(cp -> out.appendCodePoint(cp).append(replacement));
                return out.toString();
            }
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        int done = 0;
        if (old.isEmpty()) {
            int i = 0;
            while (done < count && i <= s.length()) {
                out.append(replacement);
                done++;
                if (i < s.length()) {
                    int cp = s.codePointAt(i);
                    out.appendCodePoint(cp);
                    i += Character.charCount(cp);
                } else {
                    i++;
                }
            }
            if (i <= s.length()) {
                out.append(s, Math.min(i, s.length()), s.length());
            }
            return out.toString();
        }
        while (done < count) {
            int idx = s.indexOf(old, start);
            if (idx < 0) {
                break;
            }
            out.append(s, start, idx).append(replacement);
            start = idx + old.length();
            done++;
        }
        return out.append(s, start, s.length()).toString();
    }

    private static String pad(String s, int width, String fill, char align) {
        int len = length(s);
        if (width <= len) {
            return s;
        }
        int total = width - len;
        int left = switch (align) {
            case '<' -> 0;
            case '>' -> total;
            default -> total / 2 + (total & width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(total - left);
    }

    private static String fillChar(List<Object> args) {
        if (args.size() < 2) {
            return " ";
        }
        if (!(args.get(1) instanceof String f) || length(f) != 1) {
            throw PyError.type("The fill character must be exactly one character long");
        }
        return f;
    }

    private static boolean all(String s, java.util.function.IntPredicate predicate) {
        return !s.isEmpty() && s.codePoints().allMatch(predicate);
    }

    private static PyTuple partition(String s, String sep, boolean reverse) {
        if (sep.isEmpty()) {
            throw PyError.value("empty separator");
        }
        int idx = reverse ? s.lastIndexOf(sep) : s.indexOf(sep);
        if (idx < 0) {
            return reverse ? PyTuple.of("", "", s) : PyTuple.of(s, "", "");
        }
        return PyTuple.of(s.substring(0, idx), sep, s.substring(idx + sep.length()));
    }

    private static String arg(List<Object> args, int i, String method) {
        if (args.size() <= i) {
            throw PyError.type(method + "() takes at least " + (i + 1) + " argument (" + args.size() + " given)");
        }
        if (!(args.get(i) instanceof String s)) {
            throw PyError.type("must be str, not " + PyRepr.typeName(args.get(i)));
        }
        return s;
    }

    private static Object optional(List<Object> args, Map<String, Object> kwargs, int i, String name, Object fallback) {
        if (args.size() > i) {
            return args.get(i);
        }
        return kwargs.getOrDefault(name, fallback);
    }

    /** Calls {@code s.name(args...)} with Python's behaviour. */
    /** The str methods that accept keyword arguments in CPython 3.11 (all others refuse them). */
    private static final Set<String> KEYWORD_METHODS = Set.of("split", "rsplit", "splitlines", "expandtabs", "format",
            "encode");

    static Object call(String s, String name, List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty() && !KEYWORD_METHODS.contains(name)) {
            throw PyError.type("str." + name + "() takes no keyword arguments");
        }
        return switch (name) {
            case "strip" -> strip(s, optional(args, kwargs, 0, "chars", null), true, true);
            case "lstrip" -> strip(s, optional(args, kwargs, 0, "chars", null), true, false);
            case "rstrip" -> strip(s, optional(args, kwargs, 0, "chars", null), false, true);
            case "startswith" -> startsOrEndsWith(s, args.isEmpty() ? null : args.get(0), args, false);
            case "endswith" -> startsOrEndsWith(s, args.isEmpty() ? null : args.get(0), args, true);
            case "split" -> split(s, optional(args, kwargs, 0, "sep", null),
                    PyOps.toInt(optional(args, kwargs, 1, "maxsplit", -1L)));
            case "rsplit" -> rsplit(s, optional(args, kwargs, 0, "sep", null),
                    PyOps.toInt(optional(args, kwargs, 1, "maxsplit", -1L)));
            case "splitlines" -> splitlines(s, PyOps.truthy(optional(args, kwargs, 0, "keepends", false)));
            case "replace" -> replace(s, arg(args, 0, name), arg(args, 1, name),
                    PyOps.toInt(optional(args, kwargs, 2, "count", -1L)));
            case "upper" -> upper(s);
            case "lower" -> lower(s);
            case "casefold" -> lower(s);
            case "title" -> title(s);
            case "capitalize" -> capitalize(s);
            case "swapcase" -> swapcase(s);
            case "find" -> (long) find(s, arg(args, 0, name), args, false);
            case "rfind" -> (long) find(s, arg(args, 0, name), args, true);
            case "index", "rindex" -> {
                int idx = find(s, arg(args, 0, name), args, name.equals("rindex"));
                if (idx < 0) {
                    throw PyError.value("substring not found");
                }
                yield (long) idx;
            }
            case "count" -> (long) count(s, arg(args, 0, name), args);
            case "format" -> PyFormat.strFormat(s, args, kwargs);
            case "format_map" -> PyFormat.strFormat(s, List.of(), PyOps.asStringKeyMap(args.get(0)));
            case "join" -> {
                StringBuilder out = new StringBuilder();
                boolean first = true;
                for (Object item : PyOps.iterate(args.get(0))) {
                    if (!(item instanceof String str)) {
                        throw PyError.type("sequence item: expected str instance, " + PyRepr.typeName(item) + " found");
                    }
                    if (!first) {
                        out.append(s);
                    }
                    first = false;
                    out.append(str);
                }
                yield out.toString();
            }
            case "center" -> pad(s, PyOps.toInt(args.get(0)), fillChar(args), '^');
            case "ljust" -> pad(s, PyOps.toInt(args.get(0)), fillChar(args), '<');
            case "rjust" -> pad(s, PyOps.toInt(args.get(0)), fillChar(args), '>');
            case "zfill" -> {
                int width = PyOps.toInt(args.get(0));
                int len = length(s);
                if (width <= len) {
                    yield s;
                }
                boolean sign = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
                String zeros = "0".repeat(width - len);
                yield sign ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
            }
            case "isdigit", "isnumeric", "isdecimal" -> all(s, Character::isDigit);
            case "isalpha" -> all(s, Character::isLetter);
            case "isalnum" -> all(s, Character::isLetterOrDigit);
            case "isspace" -> all(s, PyString::isSpace);
            case "isascii" -> s.codePoints().allMatch(cp -> cp < 128);
            case "isprintable" -> s.codePoints().allMatch(PyString::isPrintable);
            case "isidentifier" -> !s.isEmpty() && Character.isJavaIdentifierStart(s.codePointAt(0)) && s.indexOf('$') < 0
                    && s.codePoints().allMatch(Character::isJavaIdentifierPart);
            case "isupper" -> s.codePoints().anyMatch(PyString::isCased) && !s.codePoints().anyMatch(Character::isLowerCase);
            case "islower" -> s.codePoints().anyMatch(PyString::isCased) && !s.codePoints().anyMatch(Character::isUpperCase);
            case "istitle" -> !s.isEmpty() && title(s).equals(s) && s.codePoints().anyMatch(PyString::isCased);
            case "partition" -> partition(s, arg(args, 0, name), false);
            case "rpartition" -> partition(s, arg(args, 0, name), true);
            case "removeprefix" -> s.startsWith(arg(args, 0, name)) ? s.substring(arg(args, 0, name).length()) : s;
            case "removesuffix" -> {
                String suffix = arg(args, 0, name);
                yield !suffix.isEmpty() && s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
            }
            case "expandtabs" -> expandTabs(s, PyOps.toInt(optional(args, kwargs, 0, "tabsize", 8L)));
            default -> throw PyError.type("str method '" + name + "' is not supported in chat templates");
        };
    }

    private static String expandTabs(String s, int tabsize) {
        StringBuilder out = new StringBuilder();
        int column = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\t') {
                if (tabsize > 0) {
                    int spaces = tabsize - column % tabsize;
                    out.append(" ".repeat(spaces));
                    column += spaces;
                }
            } else {
                out.appendCodePoint(cp);
                column = (cp == '\n' || cp == '\r') ? 0 : column + 1;
            }
        }
        return out.toString();
    }
}
