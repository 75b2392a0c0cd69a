package io.tuneforge.trainer.playground;

/** A chat cannot run: the model or adapter does not load, the template cannot render, or a setting is invalid. */
public class PlaygroundException extends RuntimeException {

    public PlaygroundException(String message) {
        super(message);
    }

    public PlaygroundException(String message, Throwable cause) {
        super(message, cause);
    }
}
