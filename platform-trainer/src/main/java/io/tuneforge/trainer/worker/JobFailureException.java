package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.JobFailure;

/** Thrown by a {@link JobRunner} to fail its job with a chosen code and advice. */
public class JobFailureException extends RuntimeException {

    private final JobFailure failure;

    public JobFailureException(JobFailure failure, Throwable cause) {
        super(failure.message(), cause);
        this.failure = failure;
    }

    public JobFailure failure() {
        return failure;
    }
}
