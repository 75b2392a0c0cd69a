package io.tuneforge.web.api;

/**
 * A request field the API refuses: answered 422 with the field's JSON name in the problem's {@code field} property.
 * An {@link IllegalArgumentException}, so that forms catching those show its message too.
 */
public class InvalidFieldException extends IllegalArgumentException {

    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field's name in the JSON body ({@code device_quota}, {@code role}, ...). */
    public String field() {
        return field;
    }

    /** The value, or a 422 naming the field when it is absent. */
    static <T> T required(T value, String field, String what) {
        if (value == null || value instanceof String s && s.isBlank()) {
            throw new InvalidFieldException(field, "'" + field + "' is required: " + what);
        }
        return value;
    }
}
