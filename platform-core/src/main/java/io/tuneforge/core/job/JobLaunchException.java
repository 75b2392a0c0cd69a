package io.tuneforge.core.job;

/**
 * A job's result cannot be used as asked (no such job, or it has no tuned model yet); the message says why. Refused
 * submissions are {@link JobRefusedException}s.
 */
public class JobLaunchException extends RuntimeException {

    public JobLaunchException(String message) {
        super(message);
    }
}
