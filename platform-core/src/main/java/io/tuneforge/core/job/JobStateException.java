package io.tuneforge.core.job;

/** The job's status does not allow what was asked (e.g. cancelling a succeeded job). */
public class JobStateException extends RuntimeException {

    public JobStateException(String message) {
        super(message);
    }
}
