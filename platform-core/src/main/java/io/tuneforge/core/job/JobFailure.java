package io.tuneforge.core.job;

/**
 * Why a job failed: a stable machine-readable {@code code} and a message that tells a person what to do.
 *
 * @param code    stable identifier, e.g. {@code out_of_memory} (API field {@code error.code})
 * @param message what happened and how to fix it
 */
public record JobFailure(String code, String message) {

    public JobFailure {
        if (code == null || code.isBlank() || message == null || message.isBlank()) {
            throw new IllegalArgumentException("A job failure needs a code and a message");
        }
    }

    /** The device ran out of memory. */
    public static JobFailure outOfMemory(String detail) {
        return new JobFailure("out_of_memory", "The device ran out of memory (" + detail + "). Reduce "
                + "per_device_train_batch_size or cutoff_len, lower lora_rank, or choose a device with more memory.");
    }

    /** The training configuration is not usable. */
    public static JobFailure invalidConfiguration(String detail) {
        return new JobFailure("invalid_config", "The training configuration is invalid: " + detail
                + ". Fix the parameter and submit a new job.");
    }

    /** The training file could not be used. */
    public static JobFailure invalidTrainingFile(String detail) {
        return new JobFailure("invalid_training_file", "The training file is invalid: " + detail
                + ". Fix the file, upload it again and submit a new job.");
    }

    /** The job lost its worker too many times. */
    public static JobFailure workerLost(int attempts) {
        return new JobFailure("worker_lost", "The job's worker stopped responding on each of " + attempts
                + " attempts. Check the workers' logs (memory, disk space, crashes) and resubmit.");
    }

    /** Training diverged (NaN or infinite loss). */
    public static JobFailure diverged(String detail) {
        return new JobFailure("training_diverged", "Training diverged (" + detail + "). Lower learning_rate, "
                + "raise warmup, or enable gradient clipping (max_grad_norm).");
    }

    /** Anything unexpected. */
    public static JobFailure internal(String detail) {
        return new JobFailure("internal_error", "The trainer failed unexpectedly: " + detail
                + ". The worker log has the stack trace; report it if it repeats.");
    }
}
