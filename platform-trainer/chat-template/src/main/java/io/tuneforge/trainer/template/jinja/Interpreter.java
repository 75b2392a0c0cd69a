package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.template.jinja.Node.*;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree and writes the output. Scoping follows jinja2: loops, macros and {@code with} open a frame
 * per iteration or call; {@code if} does not. A Python-level error becomes a {@link TemplateException} naming the
 * template line; {@code raise_exception(msg)} becomes a {@link TemplateRaisedException} carrying the message.
 */
final class Interpreter {

    /** Unwinds to the enclosing loop for {@code break} / {@code continue}. */
    private static final class LoopSignal extends RuntimeException {
        final boolean isBreak;

        LoopSignal(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    private static final LoopSignal BREAK = new LoopSignal(true);
    private static final LoopSignal CONTINUE = new LoopSignal(false);

    private final Map<String, Object> globals;
    private final Map<List<Stmt>, java.util.Set<String>> frames;

    Interpreter(Map<String, Object> globals, Map<List<Stmt>, java.util.Set<String>> frames) {
        this.globals = globals;
        this.frames = frames;
    }

    /** Opens a frame for {@code body}: names it sets before any use start undefined, as jinja2 compiles them. */
    void enterFrame(List<Stmt> body, Scope scope) {
        java.util.Set<String> unbound = frames.get(body);
        if (unbound != null) {
            for (String name : unbound) {
                scope.set(name, Scope.UNBOUND);
            }
        }
    }

    // ---- statements --------------------------------------------------------------------------------------------

    void execute(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt stmt : body) {
            try {
                execute(stmt, scope, out);
            } catch (PyError e) {
                throw located(e, stmt.line());
            }
        }
    }

    private static TemplateException located(PyError e, int line) {
        if (e instanceof Raised raised) {
            return new TemplateRaisedException(raised.getMessage(), line);
        }
        return new TemplateException("chat template line " + line + ": " + e.getMessage());
    }

    /** {@code raise_exception(message)} called by a template. */
    static final class Raised extends PyError {
        Raised(String message) {
            super(message);
        }
    }

    private void execute(Stmt stmt, Scope scope, StringBuilder out) {
        switch (stmt) {
            case Text t -> out.append(t.text());
            case Print p -> out.append(PyRepr.str(eval(p.expr(), scope)));
            case If i -> {
                for (int k = 0; k < i.conditions().size(); k++) {
                    if (PyOps.truthy(eval(i.conditions().get(k), scope))) {
                        execute(i.bodies().get(k), scope, out);
                        return;
                    }
                }
                execute(i.otherwise(), scope, out);
            }
            case For f -> executeFor(f, eval(f.iterable(), scope), scope, out, 0);
            case Set s -> assign(s.target(), eval(s.value(), scope), scope);
            case SetBlock s -> {
                StringBuilder buffer = new StringBuilder();
                Scope inner = new Scope(scope);
                enterFrame(s.body(), inner);
                execute(s.body(), inner, buffer);
                Object value = buffer.toString();
                if (s.filter() != null) {
                    value = evalFilterChain(s.filter(), value, scope);
                }
                assign(s.target(), value, scope);
            }
            case MacroDef m -> scope.set(m.signature().name(), new Macro(m.signature(), m.body(), scope, this));
            case CallBlock c -> {
                Macro caller = new Macro(c.signature(), c.body(), scope, this);
                out.append(PyRepr.str(call(c.call(), scope, caller)));
            }
            case FilterBlock f -> {
                StringBuilder buffer = new StringBuilder();
                Scope inner = new Scope(scope);
                enterFrame(f.body(), inner);
                execute(f.body(), inner, buffer);
                out.append(PyRepr.str(evalFilterChain(f.filter(), buffer.toString(), scope)));
            }
            case With w -> {
                Scope inner = new Scope(scope);
                enterFrame(w.body(), inner);
                for (int k = 0; k < w.targets().size(); k++) {
                    assign(w.targets().get(k), eval(w.values().get(k), scope), inner);
                }
                execute(w.body(), inner, out);
            }
            case Break b -> throw BREAK;
            case Continue c -> throw CONTINUE;
        }
    }

    private void executeFor(For f, Object iterable, Scope scope, StringBuilder out, int depth0) {
        if (iterable == null) {
            throw PyError.type("'NoneType' object is not iterable");
        }
        List<Object> items = PyOps.iterate(iterable);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope filterScope = new Scope(scope);
                assign(f.target(), item, filterScope);
                if (PyOps.truthy(eval(f.filter(), filterScope))) {
                    kept.add(item);
                }
            }
            items = kept;
        } else {
            items = new ArrayList<>(items);
        }
        LoopContext loop = new LoopContext(items, depth0, !f.recursive() ? null : nested -> {
            StringBuilder buffer = new StringBuilder();
            executeFor(f, nested, scope, buffer, depth0 + 1);
            return buffer.toString();
        });
        boolean completedAnIteration = false;
        for (int i = 0; i < items.size(); i++) {
            loop.index0 = i;
            Scope iteration = new Scope(scope);
            enterFrame(f.body(), iteration);
            assign(f.target(), items.get(i), iteration);
            iteration.set("loop", loop);
            try {
                execute(f.body(), iteration, out);
                completedAnIteration = true;
            } catch (LoopSignal signal) {
                if (signal.isBreak) {
                    break;
                }
            }
        }
        if (!completedAnIteration) {
            // jinja2 runs the else block unless some iteration reached the end of the body (break/continue skip it)
            Scope inner = new Scope(scope);
            enterFrame(f.otherwise(), inner);
            execute(f.otherwise(), inner, out);
        }
    }

    private void assign(Target target, Object value, Scope scope) {
        switch (target) {
            case NameTarget n -> scope.set(n.name(), value);
            case AttrTarget a -> {
                Object ns = lookup(a.object(), scope);
                if (!(ns instanceof Namespace namespace)) {
                    throw PyError.type("cannot assign attribute on non-namespace object");
                }
                namespace.attributes.put(a.attribute(), value);
            }
            case TupleTarget t -> {
                List<Object> values = PyOps.iterate(value);
                if (values.size() != t.items().size()) {
                    throw PyError.value(values.size() > t.items().size()
                            ? "too many values to unpack (expected " + t.items().size() + ")"
                            : "not enough values to unpack (expected " + t.items().size() + ", got " + values.size() + ")");
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(t.items().get(i), values.get(i), scope);
                }
            }
        }
    }

    // ---- expressions -------------------------------------------------------------------------------------------

    private Object lookup(String name, Scope scope) {
        Object v = scope.lookup(name);
        if (v == Scope.UNBOUND) {
            return Undefined.name(name);
        }
        if (v != PyOps.MISSING) {
            return v;
        }
        v = globals.getOrDefault(name, PyOps.MISSING);
        return v != PyOps.MISSING ? v : Undefined.name(name);
    }

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Literal l -> l.value();
            case Name n -> lookup(n.name(), scope);
            case ListLit l -> {
                List<Object> items = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) {
                    items.add(eval(item, scope));
                }
                yield items;
            }
            case TupleLit t -> {
                List<Object> items = new ArrayList<>(t.items().size());
                for (Expr item : t.items()) {
                    items.add(eval(item, scope));
                }
                yield new PyTuple(items);
            }
            case DictLit d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object key = eval(d.keys().get(i), scope);
                    if (key instanceof List<?> || key instanceof Map<?, ?>) {
                        throw PyError.type("unhashable type: '" + PyRepr.typeName(key) + "'");
                    }
                    Object existing = PyOps.findKey(map, key);
                    map.put(existing != PyOps.MISSING ? existing : key, eval(d.values().get(i), scope));
                }
                yield map;
            }
            case GetAttr g -> PyOps.getAttr(eval(g.target(), scope), g.attribute());
            case GetItem g -> PyOps.getItem(eval(g.target(), scope), eval(g.key(), scope));
            case Slice s -> new PyOps.SliceValue(evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope),
                    evalOrNull(s.step(), scope));
            case Call c -> call(c, scope, null);
            case Filter f -> evalFilterChain(f, null, scope);
            case Test t -> {
                Object value = eval(t.value(), scope);
                List<Object> args = new ArrayList<>(t.args().size());
                for (Expr a : t.args()) {
                    args.add(eval(a, scope));
                }
                boolean result = Tests.apply(t.name(), value, args, globals);
                yield t.negated() != result;
            }
            case Unary u -> u.op().equals("-") ? PyOps.negate(eval(u.operand(), scope)) : PyOps.plus(eval(u.operand(), scope));
            case Binary b -> {
                Object left = eval(b.left(), scope);
                Object right = eval(b.right(), scope);
                yield b.op().equals("~") ? PyRepr.str(left) + PyRepr.str(right) : PyOps.arithmetic(b.op(), left, right);
            }
            case And a -> {
                Object left = eval(a.left(), scope);
                yield PyOps.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Or o -> {
                Object left = eval(o.left(), scope);
                yield PyOps.truthy(left) ? left : eval(o.right(), scope);
            }
            case Not n -> !PyOps.truthy(eval(n.operand(), scope));
            case Compare c -> {
                Object left = eval(c.first(), scope);
                boolean result = true;
                for (int i = 0; i < c.ops().size() && result; i++) {
                    Object right = eval(c.operands().get(i), scope);
                    result = PyOps.compareOp(c.ops().get(i), left, right);
                    left = right;
                }
                yield result;
            }
            case CondExpr c -> {
                if (PyOps.truthy(eval(c.condition(), scope))) {
                    yield eval(c.then(), scope);
                }
                yield c.otherwise() != null ? eval(c.otherwise(), scope)
                        : Undefined.hint("the inline if-expression on line " + c.line() + " evaluated to false and no else section was defined.");
            }
        };
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    /** Evaluates a filter chain; the innermost filter without a value receives {@code input}. */
    private Object evalFilterChain(Expr expr, Object input, Scope scope) {
        if (!(expr instanceof Filter f)) {
            return eval(expr, scope);
        }
        Object value = f.value() == null ? input : evalFilterChain(f.value(), input, scope);
        List<Object> args = new ArrayList<>(f.args().size());
        for (Expr a : f.args()) {
            args.add(eval(a, scope));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int i = 0; i < f.keywordNames().size(); i++) {
            kwargs.put(f.keywordNames().get(i), eval(f.keywordValues().get(i), scope));
        }
        return Filters.apply(f.name(), value, args, kwargs, this);
    }

    private Object call(Call c, Scope scope, Macro caller) {
        Object target = eval(c.target(), scope);
        List<Object> args = new ArrayList<>(c.args().size());
        for (Expr a : c.args()) {
            args.add(eval(a, scope));
        }
        if (c.starArgs() != null) {
            args.addAll(PyOps.iterate(eval(c.starArgs(), scope)));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int i = 0; i < c.keywordNames().size(); i++) {
            kwargs.put(c.keywordNames().get(i), eval(c.keywordValues().get(i), scope));
        }
        if (c.starKwargs() != null) {
            kwargs.putAll(PyOps.asStringKeyMap(eval(c.starKwargs(), scope)));
        }
        if (caller != null) {
            kwargs.put("caller", caller);
        }
        return callValue(target, args, kwargs);
    }

    static Object callValue(Object target, List<Object> args, Map<String, Object> kwargs) {
        if (target instanceof PyCallable callable) {
            return callable.call(args, kwargs);
        }
        if (target instanceof Undefined u) {
            throw u.fail();
        }
        throw PyError.type("'" + PyRepr.typeName(target) + "' object is not callable");
    }
}
