package io.tuneforge.core.job;

/** No such job, or not visible to the caller (another team's job reads as absent). */
public class JobNotFoundException extends RuntimeException {

    public JobNotFoundException(long jobId) {
        super("Fine-tuning job " + jobId + " does not exist or belongs to another team.");
    }
}
