package io.tuneforge.trainer.training;

/** How a run ended. */
public enum TrainingStatus {
    /** All planned steps ran. */
    COMPLETED,
    /** Stopped by early stopping (validation loss stopped improving). */
    EARLY_STOPPED,
    /** Stopped because cancellation was requested; a checkpoint of the last completed step was written. */
    CANCELLED
}
