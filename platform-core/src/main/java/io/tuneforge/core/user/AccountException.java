package io.tuneforge.core.user;

/** An account operation was refused; the message tells the user what to change. */
public class AccountException extends RuntimeException {

    public AccountException(String message) {
        super(message);
    }
}
