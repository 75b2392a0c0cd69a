package io.tuneforge.trainer.data.preview;

/** A preview cannot be built; the message names the dataset, model or setting and what to change. */
public class DatasetPreviewException extends RuntimeException {

    public DatasetPreviewException(String message, Throwable cause) {
        super(message, cause);
    }
}
