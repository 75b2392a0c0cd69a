package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.jinja.Node.Expr;
import io.tuneforge.trainer.template.jinja.Node.Stmt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@code {% macro %}} (or the {@code caller} of a call block): renders its body with bound arguments. */
final class Macro implements PyCallable {

    private final String name;
    private final List<String> params;
    private final List<Expr> defaults;
    private final List<Stmt> body;
    private final Scope closure;
    private final Interpreter interpreter;

    Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Scope closure,
            Interpreter interpreter) {
        this.name = name;
        this.params = params;
        this.defaults = defaults;
        this.body = body;
        this.closure = closure;
        this.interpreter = interpreter;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        Scope scope = new Scope(closure);
        Map<String, Object> remaining = new LinkedHashMap<>(kwargs);
        List<Object> varargs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (i < params.size()) {
                scope.set(params.get(i), args.get(i));
            } else {
                varargs.add(args.get(i));
            }
        }
        for (int i = args.size(); i < params.size(); i++) {
            String param = params.get(i);
            if (remaining.containsKey(param)) {
                scope.set(param, remaining.remove(param));
            } else if (defaults.get(i) != null) {
                scope.set(param, interpreter.eval(defaults.get(i), scope));
            } else {
                scope.set(param, Undefined.name(param));
            }
        }
        for (int i = 0; i < Math.min(args.size(), params.size()); i++) {
            if (remaining.containsKey(params.get(i))) {
                throw PyError.type("macro '" + name + "' got multiple values for argument '" + params.get(i) + "'");
            }
        }
        if (remaining.containsKey("caller")) {
            scope.set("caller", remaining.remove("caller"));
        }
        scope.set("varargs", new PyTuple(varargs));
        scope.set("kwargs", new LinkedHashMap<Object, Object>(remaining));
        StringBuilder out = new StringBuilder();
        interpreter.execute(body, scope, out);
        return out.toString();
    }

    @Override
    public String toString() {
        return "<Macro '" + name + "'>";
    }
}
