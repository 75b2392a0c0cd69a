package io.tuneforge.shared.evaluation;

/**
 * Evaluation input or an evaluation request that cannot be used: a predictions or evaluation file, a rating, a
 * session in the wrong state. The message says what to change (file and line, field, state). Thrown by the engine's
 * evaluation and the platform's blind evaluation alike (the REST API answers it with a 400).
 */
public class EvaluationException extends RuntimeException {

    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
