package io.tuneforge.core.model;

/** A model could not be registered or read; the message says which file or field and what to do. */
public class ModelException extends RuntimeException {

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
