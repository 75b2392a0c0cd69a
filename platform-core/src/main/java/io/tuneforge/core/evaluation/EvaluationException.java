package io.tuneforge.core.evaluation;

/** A blind-evaluation request was refused; the message says what to change (file and line, field, state). */
public class EvaluationException extends RuntimeException {

    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
