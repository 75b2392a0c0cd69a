package io.tuneforge.trainer.template.jinja;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's built-in tests ({@code x is defined}, {@code x is string}, {@code n is divisibleby 3}, ...). */
final class Tests {

    private Tests() {
    }

    static final Set<String> NAMES = Set.of("odd", "even", "divisibleby", "defined", "undefined", "none", "boolean",
            "false", "true", "integer", "float", "number", "string", "mapping", "sequence", "iterable", "callable",
            "sameas", "escaped", "in", "lower", "upper", "filter", "test", "eq", "equalto", "==", "ne", "!=", "lt",
            "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=");

    /** Tests that take one argument besides the value; all others take none. */
    private static final Set<String> ONE_ARGUMENT = Set.of("divisibleby", "sameas", "in", "eq", "equalto", "==", "ne",
            "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=");

    static boolean apply(String name, Object value, List<Object> args, Map<String, Object> globals) {
        int expected = ONE_ARGUMENT.contains(name) ? 1 : 0;
        if (NAMES.contains(name) && args.size() != expected) {
            throw PyError.type("test_" + name + "() takes " + (expected + 1) + " positional argument"
                    + (expected == 0 ? "" : "s") + " but " + (args.size() + 1) + " were given");
        }
        return switch (name) {
            case "defined" -> !(value instanceof Undefined);
            case "undefined" -> value instanceof Undefined;
            case "none" -> value == null;
            case "boolean" -> value instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(value);
            case "false" -> Boolean.FALSE.equals(value);
            case "integer" -> value instanceof Long || value instanceof BigInteger;
            case "float" -> value instanceof Double;
            case "number" -> PyOps.isNumber(value);
            case "string" -> value instanceof String;
            case "mapping" -> value instanceof Map<?, ?>;
            case "sequence" -> value instanceof String || value instanceof List<?> || value instanceof PyTuple
                    || value instanceof Map<?, ?> || value instanceof PyRange;
            case "iterable" -> value instanceof String || value instanceof List<?> || value instanceof PyTuple
                    || value instanceof Map<?, ?> || value instanceof Undefined || value instanceof PyIterator
                    || value instanceof PyRange || value instanceof DictView;
            case "callable" -> value instanceof PyCallable || value instanceof Undefined;
            case "escaped" -> false;
            case "odd" -> PyOps.eq(PyOps.arithmetic("%", value, 2L), 1L);
            case "even" -> PyOps.eq(PyOps.arithmetic("%", value, 2L), 0L);
            case "divisibleby" -> PyOps.eq(PyOps.arithmetic("%", value, arg(args, 0, name)), 0L);
            case "sameas" -> sameAs(value, arg(args, 0, name));
            case "in" -> PyOps.contains(arg(args, 0, name), value);
            case "lower" -> PyString.call(PyRepr.str(value), "islower", List.of(), Map.of()).equals(true);
            case "upper" -> PyString.call(PyRepr.str(value), "isupper", List.of(), Map.of()).equals(true);
            case "filter" -> Filters.NAMES.contains(PyRepr.str(value));
            case "test" -> NAMES.contains(PyRepr.str(value));
            case "eq", "equalto", "==" -> PyOps.eq(value, arg(args, 0, name));
            case "ne", "!=" -> !PyOps.eq(value, arg(args, 0, name));
            case "lt", "lessthan", "<" -> PyOps.compareOp("<", value, arg(args, 0, name));
            case "le", "<=" -> PyOps.compareOp("<=", value, arg(args, 0, name));
            case "gt", "greaterthan", ">" -> PyOps.compareOp(">", value, arg(args, 0, name));
            case "ge", ">=" -> PyOps.compareOp(">=", value, arg(args, 0, name));
            default -> throw new PyError("TemplateRuntimeError: No test named '" + name + "' found.");
        };
    }

    private static Object arg(List<Object> args, int i, String test) {
        if (args.size() <= i) {
            throw PyError.type("test '" + test + "' needs an argument");
        }
        return args.get(i);
    }

    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == b || (a instanceof Boolean && a.equals(b));
        }
        if (a instanceof Long x && b instanceof Long y) {
            return x.equals(y) && x >= -5 && x <= 256;
        }
        return a == b;
    }
}
