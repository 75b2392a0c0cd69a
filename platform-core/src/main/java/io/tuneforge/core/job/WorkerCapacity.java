package io.tuneforge.core.job;

/**
 * What a claiming worker can take right now.
 *
 * @param workerId             the claiming worker
 * @param freeDevices          devices of this worker not running a job
 * @param memoryPerDeviceBytes memory of its smallest free device; jobs estimated to need more are left to others
 * @param bf16                 whether every free device computes bfloat16 natively; {@code bf16: true} jobs are left
 *                             to other workers when not
 */
public record WorkerCapacity(long workerId, int freeDevices, long memoryPerDeviceBytes, boolean bf16) {
}
