package io.tuneforge.trainer.training;

/** The training loss or gradient norm stopped being a finite number; the message says at which step and what to try. */
public class TrainingDivergedException extends RuntimeException {

    public TrainingDivergedException(String message) {
        super(message);
    }
}
