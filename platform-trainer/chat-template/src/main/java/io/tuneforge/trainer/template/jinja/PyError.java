package io.tuneforge.trainer.template.jinja;

/**
 * A Python-level error while evaluating a template (TypeError, UndefinedError, SecurityError, ...). The interpreter
 * adds the template line before it reaches the caller as a {@link io.tuneforge.trainer.template.TemplateException}.
 */
class PyError extends RuntimeException {

    PyError(String message) {
        super(message, null, false, false);
    }

    static PyError type(String message) {
        return new PyError("TypeError: " + message);
    }

    static PyError value(String message) {
        return new PyError("ValueError: " + message);
    }

    static PyError undefined(String message) {
        return new PyError("UndefinedError: " + message);
    }
}
