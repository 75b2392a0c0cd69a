package io.tuneforge.trainer.export;

/** A model, adapter or option that cannot be merged or exported; the message says which file or field and what to do. */
public class ExportException extends RuntimeException {

    public ExportException(String message) {
        super(message);
    }

    public ExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
