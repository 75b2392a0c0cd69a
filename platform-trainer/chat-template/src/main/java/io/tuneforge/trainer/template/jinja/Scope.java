package io.tuneforge.trainer.template.jinja;

import java.util.HashMap;
import java.util.Map;

/** A frame of template variables; loops, macros and {@code with} blocks open a child frame. */
final class Scope {

    /** Marks a name the frame will set later: until then it reads as undefined (see {@link FrameAnalysis}). */
    static final Object UNBOUND = new Object();

    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The value of {@code name} in this frame or an enclosing one, or {@link PyOps#MISSING}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, PyOps.MISSING);
            if (v != PyOps.MISSING) {
                return v;
            }
        }
        return PyOps.MISSING;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
