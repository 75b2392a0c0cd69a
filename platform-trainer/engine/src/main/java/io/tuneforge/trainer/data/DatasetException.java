package io.tuneforge.trainer.data;

/** A dataset cannot be read or used; the message names the file, line or entry and what to do. */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
