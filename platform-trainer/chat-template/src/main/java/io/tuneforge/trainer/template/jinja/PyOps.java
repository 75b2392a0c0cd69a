package io.tuneforge.trainer.template.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics for template values: truthiness, equality and ordering, arithmetic (unbounded ints, Python
 * modulo and floor division), iteration, {@code len}, membership, slicing, and jinja2's attribute/item lookup rules.
 *
 * <p>Values are: {@code null} (None), {@link Boolean}, {@link Long} or {@link BigInteger} (int), {@link Double}
 * (float), {@link String}, {@link List} (list), {@link PyTuple}, {@link Map} (dict, insertion-ordered),
 * {@link Undefined}, {@link Namespace}, {@link LoopContext}, {@link PyCallable}.
 */
final class PyOps {

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private PyOps() {
    }

    // ---- conversion from Java --------------------------------------------------------------------------------

    /** Converts JSON-like Java values (Integer, Float, arrays, any Map/List) into template values, deeply. */
    static Object fromJava(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger i -> normalize(i);
            case Double d -> d;
            case Float f -> Double.parseDouble(f.toString());
            case BigDecimal d -> d.doubleValue();
            case Character c -> c.toString();
            case PyTuple t -> t;
            case Map<?, ?> map -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                map.forEach((k, v) -> copy.put(fromJava(k), fromJava(v)));
                yield copy;
            }
            case Collection<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                list.forEach(v -> copy.add(fromJava(v)));
                yield copy;
            }
            case Object[] array -> fromJava(java.util.Arrays.asList(array));
            default -> value;
        };
    }

    static Object normalize(BigInteger i) {
        return i.compareTo(LONG_MIN) >= 0 && i.compareTo(LONG_MAX) <= 0 ? (Object) i.longValue() : i;
    }

    // ---- truthiness, equality, ordering ------------------------------------------------------------------------

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case BigInteger i -> i.signum() != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case PyTuple t -> !t.items().isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            case PyRange r -> r.size() > 0;
            case DictView view -> !view.items().isEmpty();
            default -> true;
        };
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof BigInteger || v instanceof Double || v instanceof Boolean;
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof BigInteger || v instanceof Boolean;
    }

    static BigInteger bigInt(Object v) {
        return switch (v) {
            case Long l -> BigInteger.valueOf(l);
            case BigInteger i -> i;
            case Boolean b -> b ? BigInteger.ONE : BigInteger.ZERO;
            case null, default -> throw PyError.type("an integer is required, not " + PyRepr.typeName(v));
        };
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l;
            case BigInteger i -> i.doubleValue();
            case Double d -> d;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw PyError.type("must be real number, not " + PyRepr.typeName(v));
        };
    }

    /** A Python int argument as a Java int (indices, counts). */
    static int toInt(Object v) {
        if (v instanceof Long l) {
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, l));
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof BigInteger i) {
            return i.signum() < 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw PyError.type("'" + PyRepr.typeName(v) + "' object cannot be interpreted as an integer");
    }

    static int clampIndex(int index, int length) {
        if (index < 0) {
            index += length;
            return Math.max(index, 0);
        }
        return index;
    }

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                if (isInt(a) && a instanceof BigInteger || isInt(b) && b instanceof BigInteger) {
                    return compareNumbers(a, b) == 0;
                }
                return toDouble(a) == toDouble(b);
            }
            return bigInt(a).equals(bigInt(b));
        }
        if (a instanceof String s) {
            return s.equals(b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            return sequenceEquals(x, y);
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            return sequenceEquals(x.items(), y.items());
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object key = findKey(y, e.getKey());
                if (key == MISSING || !eq(e.getValue(), y.get(key))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return a.equals(b);
    }

    private static boolean sequenceEquals(List<?> x, List<?> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!eq(x.get(i), y.get(i))) {
                return false;
            }
        }
        return true;
    }

    static final Object MISSING = new Object();

    /** The key of {@code map} equal to {@code key} in Python's sense (1 == 1.0 == True), or {@link #MISSING}. */
    static Object findKey(Map<?, ?> map, Object key) {
        if (map.containsKey(key)) {
            return key;
        }
        if (key == null || isNumber(key)) {
            for (Object k : map.keySet()) {
                if (eq(k, key)) {
                    return k;
                }
            }
        }
        return MISSING;
    }

    private static int compareNumbers(Object a, Object b) {
        if (isInt(a) && isInt(b)) {
            if (a instanceof Long x && b instanceof Long y) {
                return Long.compare(x, y);
            }
            return bigInt(a).compareTo(bigInt(b));
        }
        double x = toDouble(a);
        double y = toDouble(b);
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return 2; // unordered: every comparison false
        }
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            return Double.compare(x, y);
        }
        BigDecimal bx = isInt(a) ? new BigDecimal(bigInt(a)) : new BigDecimal(x);
        BigDecimal by = isInt(b) ? new BigDecimal(bigInt(b)) : new BigDecimal(y);
        return bx.compareTo(by);
    }

    /** Python ordering for {@code <, <=, >, >=}; 2 means unordered (NaN). */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        if (isNumber(a) && isNumber(b)) {
            return compareNumbers(a, b);
        }
        if (a instanceof String x && b instanceof String y) {
            return compareStrings(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            return compareSequences(x, y, op);
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            return compareSequences(x.items(), y.items(), op);
        }
        throw PyError.type("'" + op + "' not supported between instances of '" + PyRepr.typeName(a) + "' and '"
                + PyRepr.typeName(b) + "'");
    }

    static int compareStrings(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i);
            int b = y.codePointAt(j);
            if (a != b) {
                return Integer.compare(a, b);
            }
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Integer.compare(x.length() - i, y.length() - j) == 0 ? 0 : (i < x.length() ? 1 : -1);
    }

    private static int compareSequences(List<?> x, List<?> y, String op) {
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            if (!eq(x.get(i), y.get(i))) {
                return compare(x.get(i), y.get(i), op);
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    static boolean compareOp(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> eq(a, b);
            case "!=" -> !eq(a, b);
            case "in" -> contains(b, a);
            case "notin" -> !contains(b, a);
            default -> {
                int c = compare(a, b, op);
                if (c == 2) {
                    yield false;
                }
                yield switch (op) {
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
            }
        };
    }

    static boolean contains(Object container, Object item) {
        switch (container) {
            case String s -> {
                if (item instanceof Undefined u) {
                    throw u.fail();
                }
                if (!(item instanceof String sub)) {
                    throw PyError.type("'in <string>' requires string as left operand, not " + PyRepr.typeName(item));
                }
                return s.contains(sub);
            }
            case Map<?, ?> m -> {
                if (item instanceof List<?> || item instanceof Map<?, ?>) {
                    throw PyError.type("unhashable type: '" + PyRepr.typeName(item) + "'");
                }
                return findKey(m, item) != MISSING;
            }
            case Undefined u -> {
                return false;
            }
            case null -> throw PyError.type("argument of type 'NoneType' is not iterable");
            default -> {
                for (Object o : iterate(container)) {
                    if (eq(o, item)) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    // ---- iteration and length ----------------------------------------------------------------------------------

    static List<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> castList(l);
            case PyTuple t -> t.items();
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> chars = new ArrayList<>(s.length());
                s.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
                yield chars;
            }
            case Undefined u -> List.of();
            case PyIterator it -> it.drain();
            case PyRange r -> r.items();
            case DictView view -> view.items();
            case Collection<?> c -> new ArrayList<>(c);
            case null, default -> throw PyError.type("'" + PyRepr.typeName(v) + "' object is not iterable");
        };
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(List<?> l) {
        return (List<Object>) l;
    }

    static int length(Object v) {
        return switch (v) {
            case String s -> PyString.length(s);
            case Collection<?> c -> c.size();
            case PyTuple t -> t.items().size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case PyRange r -> r.size();
            case DictView view -> view.items().size();
            case null, default -> throw PyError.type("object of type '" + PyRepr.typeName(v) + "' has no len()");
        };
    }

    // ---- arithmetic --------------------------------------------------------------------------------------------

    private static PyError unsupported(String op, Object a, Object b) {
        return PyError.type("unsupported operand type(s) for " + op + ": '" + PyRepr.typeName(a) + "' and '"
                + PyRepr.typeName(b) + "'");
    }

    static Object add(Object a, Object b) {
        failIfUndefined(a, b);
        if (a instanceof String x && b instanceof String y) {
            return x + y;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return toDouble(a) + toDouble(b);
            }
            if (a instanceof Long x && b instanceof Long y) {
                long r = x + y;
                if (((x ^ r) & (y ^ r)) >= 0) {
                    return r;
                }
            }
            return normalize(bigInt(a).add(bigInt(b)));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> r = new ArrayList<>(x);
            r.addAll(y);
            return r;
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            List<Object> r = new ArrayList<>(x.items());
            r.addAll(y.items());
            return new PyTuple(r);
        }
        if (a instanceof String && !(b instanceof String)) {
            throw PyError.type("can only concatenate str (not \"" + PyRepr.typeName(b) + "\") to str");
        }
        if (a instanceof List<?> && !(b instanceof List<?>)) {
            throw PyError.type("can only concatenate list (not \"" + PyRepr.typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    static Object arithmetic(String op, Object a, Object b) {
        if (op.equals("%") && a instanceof String s) {
            return PyFormat.percent(s, b); // str.__mod__ prints an undefined right operand as ''
        }
        failIfUndefined(a, b);
        switch (op) {
            case "+":
                return add(a, b);
            case "*":
                if ((a instanceof String || a instanceof List<?> || a instanceof PyTuple) && isInt(b)) {
                    return repeat(a, repeatCount(b));
                }
                if (isInt(a) && (b instanceof String || b instanceof List<?> || b instanceof PyTuple)) {
                    return repeat(b, repeatCount(a));
                }
                break;
            case "%":
                if (a instanceof String s) {
                    return PyFormat.percent(s, b);
                }
                break;
            default:
                break;
        }
        if (!isNumber(a) || !isNumber(b)) {
            throw unsupported(op, a, b);
        }
        boolean floats = a instanceof Double || b instanceof Double;
        switch (op) {
            case "-":
                if (floats) {
                    return toDouble(a) - toDouble(b);
                }
                return normalize(bigInt(a).subtract(bigInt(b)));
            case "*":
                if (floats) {
                    return toDouble(a) * toDouble(b);
                }
                return normalize(bigInt(a).multiply(bigInt(b)));
            case "/": {
                double y = toDouble(b);
                if (y == 0) {
                    throw new PyError("ZeroDivisionError: division by zero");
                }
                if (!floats) {
                    return new BigDecimal(bigInt(a)).divide(new BigDecimal(bigInt(b)), java.math.MathContext.DECIMAL128)
                            .doubleValue();
                }
                return toDouble(a) / y;
            }
            case "//": {
                if (floats) {
                    double y = toDouble(b);
                    if (y == 0) {
                        throw new PyError("ZeroDivisionError: float floor division by zero");
                    }
                    return Math.floor(toDouble(a) / y);
                }
                BigInteger y = bigInt(b);
                if (y.signum() == 0) {
                    throw new PyError("ZeroDivisionError: integer division or modulo by zero");
                }
                BigInteger[] qr = bigInt(a).divideAndRemainder(y);
                BigInteger q = qr[0];
                if (qr[1].signum() != 0 && qr[1].signum() != y.signum()) {
                    q = q.subtract(BigInteger.ONE);
                }
                return normalize(q);
            }
            case "%": {
                if (floats) {
                    double x = toDouble(a);
                    double y = toDouble(b);
                    if (y == 0) {
                        throw new PyError("ZeroDivisionError: float modulo");
                    }
                    double r = x % y;
                    if (r != 0 && (r < 0) != (y < 0)) {
                        r += y;
                    }
                    return r;
                }
                BigInteger y = bigInt(b);
                if (y.signum() == 0) {
                    throw new PyError("ZeroDivisionError: integer division or modulo by zero");
                }
                BigInteger r = bigInt(a).mod(y.abs());
                if (y.signum() < 0 && r.signum() != 0) {
                    r = r.add(y);
                }
                return normalize(r);
            }
            case "**": {
                if (!floats && bigInt(b).signum() >= 0) {
                    BigInteger base = bigInt(a);
                    BigInteger exponent = bigInt(b);
                    if (exponent.bitLength() < 31) {
                        return normalize(base.pow(exponent.intValue()));
                    }
                    if (base.abs().compareTo(BigInteger.ONE) <= 0) {
                        return normalize(base.signum() < 0 && exponent.testBit(0) ? base : base.abs());
                    }
                    throw new PyError("OverflowError: exponent too large");
                }
                double x = toDouble(a);
                double y = toDouble(b);
                if (x == 0 && y < 0) {
                    throw new PyError("ZeroDivisionError: 0.0 cannot be raised to a negative power");
                }
                double r = Math.pow(x, y);
                if (Double.isInfinite(r) && !Double.isInfinite(x) && !Double.isInfinite(y)) {
                    throw new PyError("OverflowError: (34, 'Numerical result out of range')");
                }
                if (Double.isNaN(r) && !Double.isNaN(x) && !Double.isNaN(y)) {
                    throw PyError.value("negative number cannot be raised to a fractional power");
                }
                return r;
            }
            default:
                throw unsupported(op, a, b);
        }
    }

    /** Larger results than this fail like Python's MemoryError instead of exhausting the JVM. */
    private static final long MAX_REPEAT_LENGTH = 100_000_000L;

    private static long repeatCount(Object count) {
        BigInteger n = bigInt(count);
        if (n.bitLength() > 63) {
            throw new PyError("OverflowError: cannot fit 'int' into an index-sized integer");
        }
        return Math.max(0, n.longValue());
    }

    private static Object repeat(Object seq, long count) {
        long unit = seq instanceof String s ? s.length() : iterate(seq).size();
        if (unit > 0 && count > MAX_REPEAT_LENGTH / unit) {
            throw new PyError("MemoryError: repeating a sequence " + count + " times is too large");
        }
        int times = unit == 0 ? 0 : (int) count;
        if (seq instanceof String s) {
            return s.repeat(times);
        }
        List<Object> items = iterate(seq);
        List<Object> r = new ArrayList<>(items.size() * times);
        for (int i = 0; i < times; i++) {
            r.addAll(items);
        }
        return seq instanceof PyTuple ? new PyTuple(r) : r;
    }

    static Object negate(Object v) {
        failIfUndefined(v, null);
        return switch (v) {
            case Long l when l != Long.MIN_VALUE -> -l;
            case Double d -> -d;
            case Boolean b -> b ? -1L : 0L;
            case null, default -> {
                if (isInt(v)) {
                    yield normalize(bigInt(v).negate());
                }
                throw PyError.type("bad operand type for unary -: '" + PyRepr.typeName(v) + "'");
            }
        };
    }

    static Object plus(Object v) {
        failIfUndefined(v, null);
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (!isNumber(v)) {
            throw PyError.type("bad operand type for unary +: '" + PyRepr.typeName(v) + "'");
        }
        return v;
    }

    private static void failIfUndefined(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
    }

    // ---- lookup ------------------------------------------------------------------------------------------------

    private static final java.util.Set<String> DICT_METHODS = java.util.Set.of("items", "keys", "values", "get", "copy");
    private static final java.util.Set<String> DICT_MUTATORS = java.util.Set.of("pop", "popitem", "setdefault",
            "update", "clear");
    private static final java.util.Set<String> LIST_METHODS = java.util.Set.of("index", "count", "copy");
    private static final java.util.Set<String> LIST_MUTATORS = java.util.Set.of("append", "extend", "insert", "pop",
            "remove", "reverse", "sort", "clear");

    /** jinja2's {@code getattr(obj, name)}: a Python attribute first, then {@code obj[name]}, else undefined. */
    static Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (name.startsWith("_")) {
            return Undefined.unsafe(obj, name);
        }
        Object attribute = pythonAttribute(obj, name);
        if (attribute != MISSING) {
            return attribute;
        }
        if (obj instanceof Map<?, ?> map) {
            Object key = findKey(map, name);
            if (key != MISSING) {
                return map.get(key);
            }
        }
        return Undefined.attribute(obj, name);
    }

    /** jinja2's {@code getitem(obj, key)}: {@code obj[key]} first, then the attribute named by a string key. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (key instanceof SliceValue slice) {
            return slice(obj, slice);
        }
        switch (obj) {
            case null -> {
            }
            case Map<?, ?> map -> {
                Object k = findKey(map, key);
                if (k != MISSING) {
                    return map.get(k);
                }
            }
            case List<?> list when isInt(key) -> {
                int i = indexOrMissing(key, list.size());
                if (i >= 0) {
                    return list.get(i);
                }
            }
            case PyTuple tuple when isInt(key) -> {
                int i = indexOrMissing(key, tuple.items().size());
                if (i >= 0) {
                    return tuple.items().get(i);
                }
            }
            case String s when isInt(key) -> {
                int len = PyString.length(s);
                int i = indexOrMissing(key, len);
                if (i >= 0) {
                    int off = PyString.offset(s, i);
                    return new String(Character.toChars(s.codePointAt(off)));
                }
            }
            case LoopContext loop -> {
                if (key instanceof String k) {
                    return getAttr(loop, k);
                }
            }
            case PyRange range when isInt(key) -> {
                int i = indexOrMissing(key, range.size());
                if (i >= 0) {
                    return range.start() + i * range.step();
                }
            }
            case Namespace ns -> {
                // jinja2's Namespace supports item access too
                if (key instanceof String k && ns.attributes.containsKey(k)) {
                    return ns.attributes.get(k);
                }
            }
            default -> {
            }
        }
        if (key instanceof String name) {
            if (name.startsWith("_")) {
                return Undefined.unsafe(obj, name);
            }
            Object attribute = pythonAttribute(obj, name);
            if (attribute != MISSING) {
                return attribute;
            }
        }
        return Undefined.element(obj, key);
    }

    private static int indexOrMissing(Object key, int size) {
        if (key instanceof BigInteger) {
            return -1;
        }
        int i = toInt(key);
        if (i < 0) {
            i += size;
        }
        return i >= 0 && i < size ? i : -1;
    }

    /** The Python attribute {@code obj.name} (methods bound to obj, namespace and loop attributes), or MISSING. */
    private static Object pythonAttribute(Object obj, String name) {
        switch (obj) {
            case null -> {
                return MISSING;
            }
            case PyTuple tuple when tuple.fieldNames().contains(name) -> {
                return tuple.items().get(tuple.fieldNames().indexOf(name));
            }
            case String s when PyString.METHODS.contains(name) -> {
                return (PyCallable) (args, kwargs) -> PyString.call(s, name, args, kwargs);
            }
            case Map<?, ?> map when DICT_METHODS.contains(name) -> {
                return (PyCallable) (args, kwargs) -> dictMethod(map, name, args);
            }
            case Map<?, ?> map when DICT_MUTATORS.contains(name) -> {
                return Undefined.unsafe(obj, name);
            }
            case List<?> list when LIST_METHODS.contains(name) -> {
                return (PyCallable) (args, kwargs) -> listMethod(list, name, args);
            }
            case List<?> list when LIST_MUTATORS.contains(name) -> {
                return Undefined.unsafe(obj, name);
            }
            case PyTuple tuple when name.equals("index") || name.equals("count") -> {
                return (PyCallable) (args, kwargs) -> listMethod(tuple.items(), name, args);
            }
            case Namespace ns -> {
                return ns.attributes.containsKey(name) ? ns.attributes.get(name) : MISSING;
            }
            case LoopContext loop -> {
                return loop.attribute(name);
            }
            case Cycler cycler -> {
                return cycler.attribute(name);
            }
            case Macro macro -> {
                return macro.attribute(name);
            }
            case Double d when name.equals("real") -> {
                return d;
            }
            case Double d when name.equals("is_integer") -> {
                return (PyCallable) (args, kwargs) -> d == Math.rint(d) && !Double.isInfinite(d);
            }
            default -> {
                return MISSING;
            }
        }
    }

    private static Object dictMethod(Map<?, ?> map, String name, List<Object> args) {
        return switch (name) {
            case "items" -> {
                List<Object> items = new ArrayList<>(map.size());
                map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
                yield new DictView("dict_items", items);
            }
            case "keys" -> new DictView("dict_keys", new ArrayList<Object>(map.keySet()));
            case "values" -> new DictView("dict_values", new ArrayList<Object>(map.values()));
            case "copy" -> new LinkedHashMap<Object, Object>(map);
            default -> {
                if (args.isEmpty()) {
                    throw PyError.type("get expected at least 1 argument, got 0");
                }
                Object key = findKey(map, args.get(0));
                yield key != MISSING ? map.get(key) : (args.size() > 1 ? args.get(1) : null);
            }
        };
    }

    private static Object listMethod(List<?> list, String name, List<Object> args) {
        return switch (name) {
            case "copy" -> new ArrayList<Object>(list);
            case "count" -> (long) list.stream().filter(o -> eq(o, args.get(0))).count();
            default -> {
                for (int i = 0; i < list.size(); i++) {
                    if (eq(list.get(i), args.get(0))) {
                        yield (long) i;
                    }
                }
                throw PyError.value(PyRepr.repr(args.get(0)) + " is not in list");
            }
        };
    }

    static Map<String, Object> asStringKeyMap(Object v) {
        if (!(v instanceof Map<?, ?> map)) {
            throw PyError.type("expected a mapping, not " + PyRepr.typeName(v));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        map.forEach((k, val) -> r.put(PyRepr.str(k), val));
        return r;
    }

    // ---- slicing -----------------------------------------------------------------------------------------------

    /** The value of a slice expression {@code [start:stop:step]}; null parts are absent. */
    record SliceValue(Object start, Object stop, Object step) {
    }

    static Object slice(Object obj, SliceValue slice) {
        int step = slice.step() == null ? 1 : toInt(slice.step());
        if (step == 0) {
            throw PyError.value("slice step cannot be zero");
        }
        return switch (obj) {
            case String s -> {
                int[] cps = PyString.codePoints(s);
                int[] idx = indices(cps.length, slice, step);
                StringBuilder out = new StringBuilder();
                for (int i = idx[0]; step > 0 ? i < idx[1] : i > idx[1]; i += step) {
                    out.appendCodePoint(cps[i]);
                }
                yield out.toString();
            }
            case List<?> list -> sliceList(list, slice, step);
            case PyTuple t -> new PyTuple(sliceList(t.items(), slice, step));
            case PyRange r -> sliceList(r.items(), slice, step);
            case Undefined u -> throw u.fail();
            case null, default -> throw PyError.type("'" + PyRepr.typeName(obj) + "' object is not subscriptable");
        };
    }

    private static List<Object> sliceList(List<?> list, SliceValue slice, int step) {
        int[] idx = indices(list.size(), slice, step);
        List<Object> out = new ArrayList<>();
        for (int i = idx[0]; step > 0 ? i < idx[1] : i > idx[1]; i += step) {
            out.add(list.get(i));
        }
        return out;
    }

    /** Python's {@code slice.indices(length)}: [start, stop] already clamped for the step's direction. */
    private static int[] indices(int length, SliceValue slice, int step) {
        int lower = step < 0 ? -1 : 0;
        int upper = step < 0 ? length - 1 : length;
        int start = slice.start() == null ? (step < 0 ? upper : lower) : bound(toInt(slice.start()), length, lower, upper);
        int stop = slice.stop() == null ? (step < 0 ? lower : upper) : bound(toInt(slice.stop()), length, lower, upper);
        return new int[] {start, stop};
    }

    private static int bound(int value, int length, int lower, int upper) {
        if (value < 0) {
            value += length;
            return Math.max(value, lower);
        }
        return Math.min(value, upper);
    }
}
