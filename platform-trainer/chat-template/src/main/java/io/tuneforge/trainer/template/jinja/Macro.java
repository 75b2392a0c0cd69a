package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.jinja.Node.MacroSignature;
import io.tuneforge.trainer.template.jinja.Node.Stmt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code {% macro %}} (or the {@code caller} of a call block): binds arguments as jinja2 does (extra positional
 * or keyword arguments only when the body uses {@code varargs} / {@code kwargs}) and renders its body.
 */
final class Macro implements PyCallable {

    private final MacroSignature signature;
    private final List<Stmt> body;
    private final Scope closure;
    private final Interpreter interpreter;

    Macro(MacroSignature signature, List<Stmt> body, Scope closure, Interpreter interpreter) {
        this.signature = signature;
        this.body = body;
        this.closure = closure;
        this.interpreter = interpreter;
    }

    private String quotedName() {
        return PyRepr.repr(signature.name());
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        List<String> params = signature.params();
        Scope scope = new Scope(closure);
        interpreter.enterFrame(body, scope);
        Map<String, Object> remaining = new LinkedHashMap<>(kwargs);
        for (int i = 0; i < params.size(); i++) {
            String param = params.get(i);
            if (i < args.size()) {
                if (remaining.containsKey(param)) {
                    throw PyError.type("macro " + quotedName() + " got multiple values for argument " + PyRepr.repr(param));
                }
                scope.set(param, args.get(i));
            } else if (remaining.containsKey(param)) {
                scope.set(param, remaining.remove(param));
            } else if (signature.defaults().get(i) != null) {
                scope.set(param, interpreter.eval(signature.defaults().get(i), scope));
            } else {
                scope.set(param, Undefined.hint("parameter " + PyRepr.repr(param) + " was not provided"));
            }
        }
        if (signature.usesCaller()) {
            Object caller = remaining.remove("caller");
            scope.set("caller", caller != null ? caller : Undefined.hint("No caller defined"));
        }
        if (signature.catchKwargs()) {
            scope.set("kwargs", new LinkedHashMap<Object, Object>(remaining));
        } else if (!remaining.isEmpty()) {
            if (remaining.containsKey("caller")) {
                throw PyError.type("macro " + quotedName() + " was invoked with two values for the special caller "
                        + "argument. This is most likely a bug.");
            }
            throw PyError.type("macro " + quotedName() + " takes no keyword argument "
                    + PyRepr.repr(remaining.keySet().iterator().next()));
        }
        List<Object> extra = args.size() > params.size() ? args.subList(params.size(), args.size()) : List.of();
        if (signature.catchVarargs()) {
            scope.set("varargs", new PyTuple(new ArrayList<>(extra)));
        } else if (!extra.isEmpty()) {
            throw PyError.type("macro " + quotedName() + " takes not more than " + params.size() + " argument(s)");
        }
        StringBuilder out = new StringBuilder();
        interpreter.execute(body, scope, out);
        return out.toString();
    }

    /** jinja2's macro attributes: {@code name}, {@code arguments}, {@code caller}, {@code catch_varargs}, ... */
    Object attribute(String name) {
        return switch (name) {
            case "name" -> signature.name().equals("caller") ? null : signature.name();
            case "arguments" -> new PyTuple(new ArrayList<>(signature.params()));
            case "caller" -> signature.usesCaller();
            case "catch_varargs" -> signature.catchVarargs();
            case "catch_kwargs" -> signature.catchKwargs();
            default -> PyOps.MISSING;
        };
    }

    @Override
    public String toString() {
        return "<Macro " + quotedName() + ">";
    }
}
