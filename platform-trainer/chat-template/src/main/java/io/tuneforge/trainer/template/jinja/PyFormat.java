package io.tuneforge.trainer.template.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * Python's string formatting: {@code '%s: %.2f' % (a, b)} (printf style) and {@code '{0:>8}'.format(x)} (format
 * specs), with CPython's rounding (half-even on the exact binary value) and number layouts.
 */
final class PyFormat {

    private PyFormat() {
    }

    // ---- printf style ------------------------------------------------------------------------------------------

    static String percent(String format, Object args) {
        List<Object> values = args instanceof PyTuple t ? t.items() : List.of(args == null ? NONE : args);
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        StringBuilder out = new StringBuilder();
        int next = 0;
        boolean usedMapping = false;
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= n) {
                throw PyError.value("incomplete format");
            }
            Object value = null;
            boolean haveValue = false;
            if (format.charAt(i) == '(') {
                int close = format.indexOf(')', i);
                if (close < 0) {
                    throw PyError.value("incomplete format key");
                }
                if (mapping == null) {
                    throw PyError.type("format requires a mapping");
                }
                String key = format.substring(i + 1, close);
                Object k = PyOps.findKey(mapping, key);
                if (k == PyOps.MISSING) {
                    throw new PyError("KeyError: " + PyRepr.repr(key));
                }
                value = mapping.get(k);
                haveValue = true;
                usedMapping = true;
                i = close + 1;
            }
            Spec spec = new Spec();
            while (i < n && "-+ #0".indexOf(format.charAt(i)) >= 0) {
                switch (format.charAt(i++)) {
                    case '-' -> spec.align = '<';
                    case '+' -> spec.sign = '+';
                    case ' ' -> spec.sign = spec.sign == '+' ? '+' : ' ';
                    case '#' -> spec.alternate = true;
                    default -> spec.zero = true;
                }
            }
            if (i < n && format.charAt(i) == '*') {
                spec.width = PyOps.toInt(values.get(next++));
                i++;
            } else {
                int start = i;
                while (i < n && Character.isDigit(format.charAt(i))) {
                    i++;
                }
                spec.width = start == i ? -1 : Integer.parseInt(format.substring(start, i));
            }
            if (i < n && format.charAt(i) == '.') {
                i++;
                if (i < n && format.charAt(i) == '*') {
                    spec.precision = PyOps.toInt(values.get(next++));
                    i++;
                } else {
                    int start = i;
                    while (i < n && Character.isDigit(format.charAt(i))) {
                        i++;
                    }
                    spec.precision = start == i ? 0 : Integer.parseInt(format.substring(start, i));
                }
            }
            while (i < n && "hlL".indexOf(format.charAt(i)) >= 0) {
                i++;
            }
            if (i >= n) {
                throw PyError.value("incomplete format");
            }
            char type = format.charAt(i++);
            if (type == '%') {
                out.append('%');
                continue;
            }
            if (!haveValue) {
                if (mapping != null && !(args instanceof PyTuple)) {
                    value = args;
                    usedMapping = true;
                } else {
                    if (next >= values.size()) {
                        throw PyError.type("not enough arguments for format string");
                    }
                    value = values.get(next++);
                }
            }
            if (value == NONE) {
                value = null;
            }
            if (spec.align == 0) {
                spec.align = '>';
            }
            if (spec.zero && spec.align != '<' && type != 's' && type != 'r' && type != 'a' && type != 'c') {
                spec.fill = '0';
                spec.align = '=';
            }
            out.append(percentOne(value, type, spec));
        }
        boolean mappingLike = !(args instanceof PyTuple) && !(args instanceof String)
                && (args instanceof Map<?, ?> || args instanceof List<?>);
        if (!usedMapping && next < values.size() && !mappingLike) {
            throw PyError.type("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static final Object NONE = new Object();

    private static String percentOne(Object value, char type, Spec spec) {
        switch (type) {
            case 's', 'r', 'a' -> {
                String s = type == 's' ? PyRepr.str(value) : PyRepr.repr(value);
                if (spec.precision >= 0 && PyString.length(s) > spec.precision) {
                    s = s.substring(0, PyString.offset(s, spec.precision));
                }
                return pad(s, spec);
            }
            case 'c' -> {
                String s = value instanceof String str ? str : new String(Character.toChars(PyOps.toInt(value)));
                return pad(s, spec);
            }
            case 'd', 'i', 'u' -> {
                return formatInteger(toIntegerForPercent(value, type), 'd', spec);
            }
            case 'x', 'X', 'o' -> {
                if (!PyOps.isInt(value)) {
                    throw PyError.type("%" + type + " format: an integer is required, not " + PyRepr.typeName(value));
                }
                return formatInteger(PyOps.bigInt(value), type, spec);
            }
            case 'f', 'F', 'e', 'E', 'g', 'G' -> {
                if (!PyOps.isNumber(value)) {
                    throw PyError.type("must be real number, not " + PyRepr.typeName(value));
                }
                if (spec.precision < 0) {
                    spec.precision = 6;
                }
                return formatFloat(PyOps.toDouble(value), type, spec);
            }
            default -> throw PyError.value("unsupported format character '" + type + "'");
        }
    }

    private static BigInteger toIntegerForPercent(Object value, char type) {
        if (PyOps.isInt(value)) {
            return PyOps.bigInt(value);
        }
        if (value instanceof Double d) {
            return new BigDecimal(d).toBigInteger();
        }
        throw PyError.type("%" + type + " format: a real number is required, not " + PyRepr.typeName(value));
    }

    // ---- str.format ---------------------------------------------------------------------------------------------

    static String strFormat(String format, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i);
            if (c == '{') {
                if (i + 1 < n && format.charAt(i + 1) == '{') {
                    out.append('{');
                    i += 2;
                    continue;
                }
                int close = matchingBrace(format, i);
                String field = format.substring(i + 1, close);
                i = close + 1;
                String specText = "";
                char conversion = 0;
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    specText = field.substring(colon + 1);
                    field = field.substring(0, colon);
                }
                int bang = field.indexOf('!');
                if (bang >= 0) {
                    conversion = field.charAt(bang + 1);
                    field = field.substring(0, bang);
                }
                Object value;
                int end = 0;
                while (end < field.length() && field.charAt(end) != '.' && field.charAt(end) != '[') {
                    end++;
                }
                String head = field.substring(0, end);
                if (head.isEmpty()) {
                    value = positional(args, auto++);
                } else if (head.chars().allMatch(Character::isDigit)) {
                    value = positional(args, Integer.parseInt(head));
                } else {
                    if (!kwargs.containsKey(head)) {
                        throw new PyError("KeyError: " + PyRepr.repr(head));
                    }
                    value = kwargs.get(head);
                }
                value = accessChain(value, field.substring(end));
                if (specText.contains("{")) {
                    specText = strFormat(specText, args, kwargs);
                }
                if (conversion == 'r' || conversion == 'a') {
                    value = PyRepr.repr(value);
                } else if (conversion == 's') {
                    value = PyRepr.str(value);
                }
                out.append(formatValue(value, specText));
            } else if (c == '}') {
                if (i + 1 < n && format.charAt(i + 1) == '}') {
                    out.append('}');
                    i += 2;
                    continue;
                }
                throw PyError.value("Single '}' encountered in format string");
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int matchingBrace(String format, int open) {
        int depth = 0;
        for (int j = open; j < format.length(); j++) {
            if (format.charAt(j) == '{') {
                depth++;
            } else if (format.charAt(j) == '}' && --depth == 0) {
                return j;
            }
        }
        throw PyError.value("expected '}' before end of string");
    }

    private static Object positional(List<Object> args, int index) {
        if (index >= args.size()) {
            throw new PyError("IndexError: Replacement index " + index + " out of range for positional args tuple");
        }
        return args.get(index);
    }

    private static Object accessChain(Object value, String chain) {
        int i = 0;
        while (i < chain.length()) {
            if (chain.charAt(i) == '.') {
                int end = i + 1;
                while (end < chain.length() && chain.charAt(end) != '.' && chain.charAt(end) != '[') {
                    end++;
                }
                value = PyOps.getAttr(value, chain.substring(i + 1, end));
                i = end;
            } else {
                int close = chain.indexOf(']', i);
                String key = chain.substring(i + 1, close);
                value = PyOps.getItem(value, key.chars().allMatch(Character::isDigit) && !key.isEmpty()
                        ? (Object) Long.parseLong(key) : key);
                i = close + 1;
            }
            if (value instanceof Undefined u) {
                throw u.fail();
            }
        }
        return value;
    }

    /** {@code format(value, spec)}. */
    static String formatValue(Object value, String specText) {
        Spec spec = Spec.parse(specText);
        char type = spec.type;
        if (value instanceof String s) {
            if (type != 0 && type != 's') {
                throw PyError.value("Unknown format code '" + type + "' for object of type 'str'");
            }
            if (spec.precision >= 0 && PyString.length(s) > spec.precision) {
                s = s.substring(0, PyString.offset(s, spec.precision));
            }
            if (spec.align == 0) {
                spec.align = '<';
            }
            return pad(s, spec);
        }
        if (PyOps.isInt(value) && "eEfFgG%".indexOf(type) < 0) {
            if (spec.align == 0) {
                spec.align = '>';
            }
            if (value instanceof Boolean && type == 0) {
                return pad(PyRepr.str(value), spec);
            }
            return formatInteger(PyOps.bigInt(value), type == 0 || type == 'n' ? 'd' : type, spec);
        }
        if (PyOps.isNumber(value)) {
            if (spec.align == 0) {
                spec.align = '>';
            }
            double d = PyOps.toDouble(value);
            if (type == 0 && spec.precision < 0) {
                String body = PyRepr.floatRepr(Math.abs(d));
                return pad(signPrefix(d, spec) + body, spec, signPrefix(d, spec).length());
            }
            if (type == 0) {
                type = 'g';
                spec.alternateZero = true;
            }
            if (spec.precision < 0) {
                spec.precision = 6;
            }
            return formatFloat(d, type, spec);
        }
        if (!specText.isEmpty()) {
            throw PyError.type("unsupported format string passed to " + PyRepr.typeName(value) + ".__format__");
        }
        return PyRepr.str(value);
    }

    // ---- numbers -----------------------------------------------------------------------------------------------

    private static String signPrefix(double d, Spec spec) {
        if (d < 0 || (d == 0 && 1 / d < 0)) {
            return "-";
        }
        return spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
    }

    private static String formatInteger(BigInteger v, char type, Spec spec) {
        String digits = switch (type) {
            case 'x' -> v.abs().toString(16);
            case 'X' -> v.abs().toString(16).toUpperCase(java.util.Locale.ROOT);
            case 'o' -> v.abs().toString(8);
            case 'b' -> v.abs().toString(2);
            case 'c' -> new String(Character.toChars(v.intValue()));
            case 'd' -> v.abs().toString();
            default -> throw PyError.value("Unknown format code '" + type + "' for object of type 'int'");
        };
        if (spec.grouping != 0 && type == 'd') {
            digits = group(digits, spec.grouping);
        }
        String prefix = v.signum() < 0 ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
        if (spec.alternate) {
            prefix += switch (type) {
                case 'x' -> "0x";
                case 'X' -> "0X";
                case 'o' -> "0o";
                case 'b' -> "0b";
                default -> "";
            };
        }
        return pad(prefix + digits, spec, prefix.length());
    }

    private static String group(String digits, char separator) {
        StringBuilder out = new StringBuilder();
        int first = digits.length() % 3;
        out.append(digits, 0, first);
        for (int i = first; i < digits.length(); i += 3) {
            if (out.length() > 0) {
                out.append(separator);
            }
            out.append(digits, i, i + 3);
        }
        return out.toString();
    }

    static String formatFloat(double d, char type, Spec spec) {
        String prefix = signPrefix(d, spec);
        double abs = Math.abs(d);
        String body;
        boolean upper = Character.isUpperCase(type);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            body = Double.isNaN(d) ? "nan" : "inf";
            body = upper ? body.toUpperCase(java.util.Locale.ROOT) : body;
            if (type == '%') {
                body += "%";
            }
            return pad(prefix + body, spec, prefix.length());
        }
        int p = spec.precision;
        switch (Character.toLowerCase(type)) {
            case 'f' -> body = fixed(abs, p);
            case '%' -> body = fixed(abs * 100, p) + "%";
            case 'e' -> body = exponent(abs, p);
            case 'g' -> {
                int precision = p == 0 ? 1 : p;
                int exp = abs == 0 ? 0 : decimalExponent(abs, precision);
                if (exp >= -4 && exp < precision) {
                    body = fixed(abs, precision - 1 - exp);
                } else {
                    body = exponent(abs, precision - 1);
                }
                if (!spec.alternate) {
                    body = stripZeros(body);
                }
                if (spec.alternateZero && !body.contains(".") && !body.contains("e")) {
                    body += ".0";
                }
            }
            default -> throw PyError.value("Unknown format code '" + type + "' for object of type 'float'");
        }
        if (upper) {
            body = body.toUpperCase(java.util.Locale.ROOT);
        }
        if (spec.grouping != 0) {
            int dot = body.indexOf('.');
            int end = dot >= 0 ? dot : body.length();
            body = group(body.substring(0, end), spec.grouping) + body.substring(end);
        }
        return pad(prefix + body, spec, prefix.length());
    }

    private static String fixed(double abs, int precision) {
        return new BigDecimal(abs).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static int decimalExponent(double abs, int significant) {
        BigDecimal rounded = new BigDecimal(abs).round(new MathContext(significant, RoundingMode.HALF_EVEN));
        return rounded.precision() - rounded.scale() - 1;
    }

    private static String exponent(double abs, int precision) {
        String digits;
        int exp;
        if (abs == 0) {
            digits = "0".repeat(precision + 1);
            exp = 0;
        } else {
            BigDecimal rounded = new BigDecimal(abs).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = rounded.unscaledValue().toString();
            exp = digits.length() - 1 - rounded.scale();
            if (digits.length() < precision + 1) {
                digits = digits + "0".repeat(precision + 1 - digits.length());
            } else if (digits.length() > precision + 1) {
                digits = digits.substring(0, precision + 1);
            }
        }
        StringBuilder out = new StringBuilder().append(digits.charAt(0));
        if (precision > 0) {
            out.append('.').append(digits, 1, digits.length());
        }
        out.append('e').append(exp < 0 ? '-' : '+');
        String e = Integer.toString(Math.abs(exp));
        return out.append(e.length() < 2 ? "0" + e : e).toString();
    }

    private static String stripZeros(String body) {
        int e = body.indexOf('e');
        String mantissa = e >= 0 ? body.substring(0, e) : body;
        String rest = e >= 0 ? body.substring(e) : "";
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "");
            if (mantissa.endsWith(".")) {
                mantissa = mantissa.substring(0, mantissa.length() - 1);
            }
        }
        return mantissa + rest;
    }

    private static String pad(String s, Spec spec) {
        return pad(s, spec, 0);
    }

    /** Pads to the spec's width; {@code signLength} characters stay in front for '=' alignment. */
    private static String pad(String s, Spec spec, int signLength) {
        int len = PyString.length(s);
        if (spec.width <= len) {
            return s;
        }
        String fill = String.valueOf(spec.fill);
        int total = spec.width - len;
        return switch (spec.align) {
            case '<' -> s + fill.repeat(total);
            case '^' -> fill.repeat(total / 2) + s + fill.repeat(total - total / 2);
            case '=' -> s.substring(0, signLength) + fill.repeat(total) + s.substring(signLength);
            default -> fill.repeat(total) + s;
        };
    }

    /** A parsed format spec: {@code [[fill]align][sign][#][0][width][,_][.precision][type]}. */
    static final class Spec {
        char fill = ' ';
        char align;
        char sign = '-';
        boolean alternate;
        boolean zero;
        boolean alternateZero;
        int width = -1;
        char grouping;
        int precision = -1;
        char type;

        static Spec parse(String text) {
            Spec spec = new Spec();
            int i = 0;
            int n = text.length();
            if (n >= 2 && "<>=^".indexOf(text.charAt(1)) >= 0) {
                spec.fill = text.charAt(0);
                spec.align = text.charAt(1);
                i = 2;
            } else if (n >= 1 && "<>=^".indexOf(text.charAt(0)) >= 0) {
                spec.align = text.charAt(0);
                i = 1;
            }
            if (i < n && "+- ".indexOf(text.charAt(i)) >= 0) {
                spec.sign = text.charAt(i++);
            }
            if (i < n && text.charAt(i) == '#') {
                spec.alternate = true;
                i++;
            }
            if (i < n && text.charAt(i) == '0') {
                if (spec.align == 0) {
                    spec.fill = '0';
                    spec.align = '=';
                }
                i++;
            }
            int start = i;
            while (i < n && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                spec.width = Integer.parseInt(text.substring(start, i));
            }
            if (i < n && (text.charAt(i) == ',' || text.charAt(i) == '_')) {
                spec.grouping = text.charAt(i++);
            }
            if (i < n && text.charAt(i) == '.') {
                start = ++i;
                while (i < n && Character.isDigit(text.charAt(i))) {
                    i++;
                }
                spec.precision = Integer.parseInt(text.substring(start, i));
            }
            if (i < n) {
                spec.type = text.charAt(i++);
            }
            if (i < n) {
                throw PyError.value("Invalid format specifier '" + text + "'");
            }
            return spec;
        }
    }
}
