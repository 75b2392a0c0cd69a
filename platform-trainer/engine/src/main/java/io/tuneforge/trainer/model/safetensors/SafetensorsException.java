package io.tuneforge.trainer.model.safetensors;

/** A safetensors file or index is malformed, incomplete or unsupported; the message names the file and the tensor. */
public class SafetensorsException extends RuntimeException {

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
