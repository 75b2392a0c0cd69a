package io.tuneforge.core.user;

/** The team, user or worker an administrator addressed by id does not exist. */
public class AccountNotFoundException extends AccountException {

    public AccountNotFoundException(String message) {
        super(message);
    }
}
