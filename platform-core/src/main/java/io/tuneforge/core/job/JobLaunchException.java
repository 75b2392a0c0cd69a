package io.tuneforge.core.job;

/** A job could not be launched; the message names the field and what to change. */
public class JobLaunchException extends RuntimeException {

    public JobLaunchException(String message) {
        super(message);
    }
}
