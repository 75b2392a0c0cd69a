package io.tuneforge.trainer.evaluation;

/** Evaluation input that cannot be used; the message names the file, line or field and what to do. */
public class EvaluationException extends RuntimeException {

    public EvaluationException(String message) {
        super(message);
    }
}
