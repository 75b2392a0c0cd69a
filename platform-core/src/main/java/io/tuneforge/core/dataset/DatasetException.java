package io.tuneforge.core.dataset;

/** A dataset operation was refused; the message says what to change (file, line, field, limit). */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
