package io.tuneforge.shared.dataset;

/**
 * A dataset cannot be read, stored or used; the message names the file, line, field, entry or limit and what to do.
 * Thrown by the platform's dataset services and the data pipeline alike (the REST API answers it with a 400).
 */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
