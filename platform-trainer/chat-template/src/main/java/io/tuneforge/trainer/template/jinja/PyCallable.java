package io.tuneforge.trainer.template.jinja;

import java.util.List;
import java.util.Map;

/** Something a template can call: a global function, a macro, a bound method, {@code loop.cycle}. */
@FunctionalInterface
interface PyCallable {

    Object call(List<Object> args, Map<String, Object> kwargs);
}
