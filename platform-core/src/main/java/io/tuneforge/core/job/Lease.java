package io.tuneforge.core.job;

/**
 * A worker's right to run a job, obtained by a claim. Every heartbeat and completion presents it; when the job's
 * {@code lease_version} no longer matches, the worker has lost the job and must stop.
 *
 * @param jobId        the claimed job
 * @param workerId     the worker that holds it
 * @param leaseVersion the job's lease version after the claim
 * @param attempt      1 for the first run, then +1 for each re-claim after a lost worker
 */
public record Lease(long jobId, long workerId, long leaseVersion, int attempt) {
}
