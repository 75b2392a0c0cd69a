package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.jinja.Node.*;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * jinja2's compile-time symbol tracking, which decides what a variable holds before its {@code set} runs. Each frame
 * (the template, a loop body, a macro, a set/filter/with/call block) is scanned in order: a name whose first direct
 * use in the frame is an unconditional {@code set} (and that no enclosing frame mentions) starts undefined in that
 * frame, hiding the render variable of the same name from nested loops and macros that read it before the
 * {@code set} runs. Everything else falls through to enclosing frames and the render variables, as our scope chain
 * does. This mirrors {@code jinja2.idtracking} (including its if/elif/else branch rule).
 */
final class FrameAnalysis {

    private final Map<List<Stmt>, Set<String>> undefinedAtStart = new IdentityHashMap<>();

    private FrameAnalysis() {
    }

    /** For every frame body (by identity), the names that start undefined in it. */
    static Map<List<Stmt>, Set<String>> analyze(List<Stmt> root) {
        FrameAnalysis analysis = new FrameAnalysis();
        analysis.frame(root, Set.of(), Set.of());
        return analysis.undefinedAtStart;
    }

    /** The symbols of one frame while it is scanned: each name's first-use kind and the names stored. */
    private static final class Symbols {
        final Map<String, Boolean> startsUndefined = new HashMap<>();
        final Set<String> stores = new HashSet<>();

        Symbols copy() {
            Symbols s = new Symbols();
            s.startsUndefined.putAll(startsUndefined);
            s.stores.addAll(stores);
            return s;
        }
    }

    /** A nested frame found while scanning its parent: analysed once the parent's names are all known. */
    private record NestedFrame(List<Stmt> body, Set<String> params) {
    }

    private void frame(List<Stmt> body, Set<String> params, Set<String> ancestors) {
        Symbols symbols = new Symbols();
        params.forEach(p -> symbols.startsUndefined.put(p, false));
        List<NestedFrame> nested = new ArrayList<>();
        sequence(body, symbols, ancestors, nested);
        Set<String> undefined = new HashSet<>();
        symbols.startsUndefined.forEach((name, isUndefined) -> {
            if (isUndefined) {
                undefined.add(name);
            }
        });
        undefinedAtStart.put(body, undefined);
        Set<String> inner = new HashSet<>(ancestors);
        inner.addAll(symbols.startsUndefined.keySet());
        for (NestedFrame f : nested) {
            frame(f.body(), f.params(), inner);
        }
    }

    private static void load(String name, Symbols s, Set<String> ancestors) {
        if (!s.startsUndefined.containsKey(name) && !ancestors.contains(name)) {
            s.startsUndefined.put(name, false);
        }
    }

    private static void store(String name, Symbols s, Set<String> ancestors) {
        s.stores.add(name);
        if (!s.startsUndefined.containsKey(name)) {
            s.startsUndefined.put(name, !ancestors.contains(name));
        }
    }

    private static void loads(Object expr, Symbols s, Set<String> ancestors) {
        List<String> names = new ArrayList<>();
        collectNames(expr, names);
        names.forEach(n -> load(n, s, ancestors));
    }

    private static void collectNames(Object node, List<String> out) {
        if (node instanceof Name n) {
            out.add(n.name());
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collectNames(item, out));
        } else if (node instanceof Expr && node instanceof Record record) {
            for (java.lang.reflect.RecordComponent c : record.getClass().getRecordComponents()) {
                try {
                    collectNames(c.getAccessor().invoke(record), out);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static void storeTarget(Target target, Symbols s, Set<String> ancestors) {
        switch (target) {
            case NameTarget n -> store(n.name(), s, ancestors);
            case TupleTarget t -> t.items().forEach(item -> storeTarget(item, s, ancestors));
            case AttrTarget a -> load(a.object(), s, ancestors);
        }
    }

    private static void targetNames(Target target, Set<String> out) {
        switch (target) {
            case NameTarget n -> out.add(n.name());
            case TupleTarget t -> t.items().forEach(item -> targetNames(item, out));
            case AttrTarget a -> {
            }
        }
    }

    private void sequence(List<Stmt> body, Symbols s, Set<String> ancestors, List<NestedFrame> nested) {
        for (Stmt stmt : body) {
            statement(stmt, s, ancestors, nested);
        }
    }

    /** Scans one statement of the current frame; bodies of nested frames are queued for after the scan. */
    private void statement(Stmt stmt, Symbols s, Set<String> ancestors, List<NestedFrame> nested) {
        switch (stmt) {
            case Text t -> {
            }
            case Print p -> loads(p.expr(), s, ancestors);
            case If i -> branches(i.conditions(), i.bodies(), i.otherwise(), s, ancestors, nested);
            case For f -> {
                loads(f.iterable(), s, ancestors);
                Set<String> params = new HashSet<>(Set.of("loop"));
                targetNames(f.target(), params);
                nested.add(new NestedFrame(f.body(), params));
                nested.add(new NestedFrame(f.otherwise(), Set.of()));
            }
            case Node.Set set -> {
                loads(set.value(), s, ancestors);
                storeTarget(set.target(), s, ancestors);
            }
            case SetBlock set -> {
                storeTarget(set.target(), s, ancestors);
                nested.add(new NestedFrame(set.body(), Set.of()));
            }
            case MacroDef m -> {
                store(m.signature().name(), s, ancestors);
                nested.add(new NestedFrame(m.body(), macroParams(m.signature())));
            }
            case CallBlock c -> {
                loads(c.call(), s, ancestors);
                nested.add(new NestedFrame(c.body(), macroParams(c.signature())));
            }
            case FilterBlock f -> {
                loads(f.filter(), s, ancestors);
                nested.add(new NestedFrame(f.body(), Set.of()));
            }
            case With w -> {
                loads(w.values(), s, ancestors);
                Set<String> params = new HashSet<>();
                w.targets().forEach(t -> targetNames(t, params));
                nested.add(new NestedFrame(w.body(), params));
            }
            case Break b -> {
            }
            case Continue c -> {
            }
        }
    }

    private static Set<String> macroParams(MacroSignature signature) {
        Set<String> params = new HashSet<>(signature.params());
        params.addAll(List.of("varargs", "kwargs", "caller"));
        return params;
    }

    /** jinja2's visit_If: the test, then three branch groups (body, the elif chain, else) merged by branch_update. */
    private void branches(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> otherwise, Symbols s,
            Set<String> ancestors, List<NestedFrame> nested) {
        loads(conditions.get(0), s, ancestors);
        Symbols body = s.copy();
        sequence(bodies.get(0), body, ancestors, nested);
        Symbols elif = s.copy();
        for (int k = 1; k < conditions.size(); k++) {
            branches(List.of(conditions.get(k)), List.of(bodies.get(k)), List.of(), elif, ancestors, nested);
        }
        Symbols orElse = s.copy();
        sequence(otherwise, orElse, ancestors, nested);
        List<Symbols> groups = List.of(body, elif, orElse);
        Map<String, Integer> storeCounts = new HashMap<>();
        for (Symbols g : groups) {
            for (String name : g.stores) {
                if (!s.stores.contains(name)) {
                    storeCounts.merge(name, 1, Integer::sum);
                }
            }
        }
        for (Symbols g : groups) {
            s.startsUndefined.putAll(g.startsUndefined);
            s.stores.addAll(g.stores);
        }
        storeCounts.forEach((name, count) -> {
            if (count < groups.size()) {
                s.startsUndefined.put(name, false);
            }
        });
    }
}
