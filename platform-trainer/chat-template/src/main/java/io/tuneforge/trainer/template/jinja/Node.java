package io.tuneforge.trainer.template.jinja;

import java.util.List;

/** The syntax tree of a template: expressions ({@link Expr}) and statements ({@link Stmt}), each with its line. */
final class Node {

    private Node() {
    }

    sealed interface Expr permits Literal, Name, ListLit, TupleLit, DictLit, GetAttr, GetItem, Slice, Call, Filter,
            Test, Unary, Binary, And, Or, Not, Compare, CondExpr {
        int line();
    }

    record Literal(Object value, int line) implements Expr {
    }

    record Name(String name, int line) implements Expr {
    }

    record ListLit(List<Expr> items, int line) implements Expr {
    }

    record TupleLit(List<Expr> items, int line) implements Expr {
    }

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr {
    }

    record GetAttr(Expr target, String attribute, int line) implements Expr {
    }

    record GetItem(Expr target, Expr key, int line) implements Expr {
    }

    /** {@code start:stop:step} inside brackets; absent parts are null. */
    record Slice(Expr start, Expr stop, Expr step, int line) implements Expr {
    }

    /** A call with positional and keyword arguments ({@code *args} and {@code **kwargs} optional). */
    record Call(Expr target, List<Expr> args, List<String> keywordNames, List<Expr> keywordValues, Expr starArgs,
            Expr starKwargs, int line) implements Expr {
    }

    /** {@code value | name(args)}; value is null inside {@code {% filter %}} blocks and set blocks. */
    record Filter(Expr value, String name, List<Expr> args, List<String> keywordNames, List<Expr> keywordValues,
            int line) implements Expr {
    }

    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr {
    }

    /** Unary {@code -} or {@code +}. */
    record Unary(String op, Expr operand, int line) implements Expr {
    }

    /** Arithmetic {@code + - * / // % **} and concatenation {@code ~}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    record And(Expr left, Expr right, int line) implements Expr {
    }

    record Or(Expr left, Expr right, int line) implements Expr {
    }

    record Not(Expr operand, int line) implements Expr {
    }

    /** A comparison chain {@code a < b <= c}; ops are {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr {
    }

    /** {@code a if cond else b}; otherwise is null when there is no else (undefined then). */
    record CondExpr(Expr condition, Expr then, Expr otherwise, int line) implements Expr {
    }

    // ---- statements --------------------------------------------------------------------------------------------

    sealed interface Stmt permits Text, Print, If, For, Set, SetBlock, MacroDef, CallBlock, FilterBlock, With, Break,
            Continue {
        int line();
    }

    /** An assignment target: a name, a tuple of targets, or {@code ns.attr}. */
    sealed interface Target permits NameTarget, TupleTarget, AttrTarget {
    }

    record NameTarget(String name) implements Target {
    }

    record TupleTarget(List<Target> items) implements Target {
    }

    record AttrTarget(String object, String attribute) implements Target {
    }

    record Text(String text, int line) implements Stmt {
    }

    record Print(Expr expr, int line) implements Stmt {
    }

    record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> otherwise, int line) implements Stmt {
    }

    record For(Target target, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> otherwise, boolean recursive,
            int line) implements Stmt {
    }

    record Set(Target target, Expr value, int line) implements Stmt {
    }

    /** {@code {% set x | filter %}body{% endset %}}; filter is null or a filter chain with a null innermost value. */
    record SetBlock(Target target, Expr filter, List<Stmt> body, int line) implements Stmt {
    }

    /**
     * What a macro body refers to among jinja2's special names: {@code varargs} and {@code kwargs} let it accept
     * extra arguments, {@code caller} lets a call block pass its body.
     */
    record MacroSignature(String name, List<String> params, List<Expr> defaults, boolean catchVarargs,
            boolean catchKwargs, boolean usesCaller) {
    }

    /** A macro definition; defaults holds one entry per parameter, null where there is none. */
    record MacroDef(MacroSignature signature, List<Stmt> body, int line) implements Stmt {
    }

    /** {@code {% call(params) macro(args) %}body{% endcall %}}. */
    record CallBlock(Call call, MacroSignature signature, List<Stmt> body, int line) implements Stmt {
    }

    /** Whether {@code node} (a tree of records and lists) contains a {@link Name} reference to {@code name}. */
    static boolean references(Object node, String name) {
        if (node instanceof Name n) {
            return n.name().equals(name);
        }
        if (node instanceof List<?> list) {
            for (Object item : list) {
                if (references(item, name)) {
                    return true;
                }
            }
            return false;
        }
        if (node instanceof Record record && (node instanceof Expr || node instanceof Stmt
                || node instanceof MacroSignature)) {
            for (java.lang.reflect.RecordComponent component : record.getClass().getRecordComponents()) {
                try {
                    if (references(component.getAccessor().invoke(record), name)) {
                        return true;
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return false;
    }

    record FilterBlock(Expr filter, List<Stmt> body, int line) implements Stmt {
    }

    record With(List<Target> targets, List<Expr> values, List<Stmt> body, int line) implements Stmt {
    }

    record Break(int line) implements Stmt {
    }

    record Continue(int line) implements Stmt {
    }
}
