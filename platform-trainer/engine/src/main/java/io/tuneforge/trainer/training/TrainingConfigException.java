package io.tuneforge.trainer.training;

/** A training setting is missing or invalid; the message names the field and what to change. */
public class TrainingConfigException extends IllegalArgumentException {

    public TrainingConfigException(String message) {
        super(message);
    }
}
