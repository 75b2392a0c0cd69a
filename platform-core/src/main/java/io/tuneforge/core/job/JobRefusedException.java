package io.tuneforge.core.job;

/** The job cannot be accepted as submitted (unknown model or dataset, fits no device, bad settings). */
public class JobRefusedException extends RuntimeException {

    public JobRefusedException(String message) {
        super(message);
    }
}
