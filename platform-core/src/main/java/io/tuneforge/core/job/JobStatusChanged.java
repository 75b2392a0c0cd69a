package io.tuneforge.core.job;

/**
 * Published (as a Spring application event, after commit) whenever a job changes status: webhooks and live UI
 * listen to it.
 *
 * @param jobId  the job
 * @param teamId its team
 * @param status the new status
 */
public record JobStatusChanged(long jobId, long teamId, JobStatus status) {
}
