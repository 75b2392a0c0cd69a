package io.tuneforge.core.job;

/**
 * A worker's right to run a job, obtained by a claim. Every heartbeat and completion presents it; when the job's
 * {@code lease_version} no longer matches, the worker has lost the job and must stop.
 *
 * @param jobId        the claimed job
 * @param workerId     the worker that holds it
 * @param leaseVersion the job's lease version after the claim
 * @param attempt      1 for the first run; a re-claim after a lost worker or a clean release keeps the number
 *                     (those restarts are counted in {@code infrastructure_retries})
 */
public record Lease(long jobId, long workerId, long leaseVersion, int attempt) {
}
