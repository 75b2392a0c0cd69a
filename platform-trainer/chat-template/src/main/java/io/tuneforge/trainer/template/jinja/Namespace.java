package io.tuneforge.trainer.template.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** Jinja2's {@code namespace(...)}: a mutable attribute bag that {@code {% set ns.attr = ... %}} may assign to. */
final class Namespace {

    final Map<String, Object> attributes = new LinkedHashMap<>();

    @Override
    public String toString() {
        return "<Namespace " + PyRepr.repr(attributes) + ">";
    }
}
