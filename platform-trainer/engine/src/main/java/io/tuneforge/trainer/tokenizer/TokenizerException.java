package io.tuneforge.trainer.tokenizer;

/** A tokenizer could not be loaded or configured; the message names the file and the field. */
public class TokenizerException extends RuntimeException {

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
