package io.tuneforge.trainer.model;

/** A model directory cannot be used: bad or unsupported {@code config.json}, or weights that do not fit it. */
public class ModelConfigException extends RuntimeException {

    public ModelConfigException(String message) {
        super(message);
    }

    public ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
