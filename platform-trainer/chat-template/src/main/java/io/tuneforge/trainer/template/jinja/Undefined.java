package io.tuneforge.trainer.template.jinja;

/**
 * Jinja2's default {@code Undefined}: prints as nothing, is falsy, iterates as empty, has length 0; any other use
 * (attribute, item, arithmetic, call) fails with the message jinja2 gives ({@code 'dict object' has no attribute 'x'}).
 */
final class Undefined {

    private final String message;

    private Undefined(String message) {
        this.message = message;
    }

    /** An undefined variable name: {@code 'name' is undefined}. */
    static Undefined name(String name) {
        return new Undefined(PyRepr.repr(name) + " is undefined");
    }

    /** A missing attribute of a value: {@code 'dict object' has no attribute 'x'}. */
    static Undefined attribute(Object owner, String attribute) {
        return new Undefined(PyRepr.repr(PyRepr.objectTypeRepr(owner)) + " has no attribute " + PyRepr.repr(attribute));
    }

    /** A missing element of a value: {@code list object has no element 3}. */
    static Undefined element(Object owner, Object key) {
        if (key instanceof String s) {
            return attribute(owner, s);
        }
        return new Undefined(PyRepr.objectTypeRepr(owner) + " has no element " + PyRepr.repr(key));
    }

    /** An undefined value with jinja2's explanatory hint as its error message. */
    static Undefined hint(String hint) {
        return new Undefined(hint);
    }

    /** An attribute the sandbox refuses (mutating methods, private names). */
    static Undefined unsafe(Object owner, String attribute) {
        return new Undefined("SecurityError: access to attribute " + PyRepr.repr(attribute) + " of "
                + PyRepr.repr(PyRepr.typeName(owner)) + " object is unsafe.");
    }

    /** The error raised when this undefined value is used for something other than printing or testing. */
    PyError fail() {
        return message.startsWith("SecurityError: ") ? new PyError(message) : PyError.undefined(message);
    }

    String message() {
        return message;
    }

    @Override
    public String toString() {
        return "";
    }
}
