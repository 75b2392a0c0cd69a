package io.tuneforge.core.job;

/**
 * Published (as a Spring application event; listeners act after commit) once for every status change of a job, by
 * {@link JobEvents#statusChanged(JobStatusChanged)} only (see {@link FineTuningJob}): webhooks and live UI listen to
 * it.
 *
 * @param jobId  the job
 * @param teamId its team
 * @param status the new status
 */
public record JobStatusChanged(long jobId, long teamId, JobStatus status) {
}
