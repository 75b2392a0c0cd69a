package io.tuneforge.shared.recipe;

import java.util.Optional;

/**
 * A recipe value that cannot be used: names the key, the value as given and what is allowed, so REST can answer a
 * 422 problem naming the field and the form can show the message on it.
 */
public class RecipeException extends RuntimeException {

    private final String key;
    private final transient Object value;
    private final String allowed;

    /**
     * @param key     the offending key (LLaMA-Factory's name), or "" for a problem of the whole recipe
     * @param value   the value as given (may be null)
     * @param allowed what would be accepted, e.g. "a number above 0 and at most 10"
     * @param message the full message shown to the user
     */
    public RecipeException(String key, Object value, String allowed, String message) {
        super(message);
        this.key = key;
        this.value = value;
        this.allowed = allowed;
    }

    /** The offending key. */
    public String key() {
        return key;
    }

    /** The value as given, if any. */
    public Optional<Object> value() {
        return Optional.ofNullable(value);
    }

    /** What the key accepts. */
    public String allowed() {
        return allowed;
    }
}
