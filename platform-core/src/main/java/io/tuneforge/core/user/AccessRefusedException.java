package io.tuneforge.core.user;

/** The caller may not see or change this (another team's data, or a role that does not allow it). */
public class AccessRefusedException extends RuntimeException {

    public AccessRefusedException(String message) {
        super(message);
    }
}
