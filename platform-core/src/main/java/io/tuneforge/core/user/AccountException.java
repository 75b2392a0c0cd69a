package io.tuneforge.core.user;

import java.util.Optional;

/**
 * An account operation was refused; the message tells the user what to change, and {@link #field()} names the input
 * at fault where there is one ({@code username}, {@code password}, {@code team}, {@code role}, {@code name},
 * {@code device_quota}), so that forms and the REST API can point at it.
 */
public class AccountException extends RuntimeException {

    private final String field;

    public AccountException(String message) {
        this(null, message);
    }

    public AccountException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The input at fault, if the refusal is about one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
