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

    /** Code of {@link #internal}: a failure nobody anticipated. */
    public static final String INTERNAL_ERROR = "internal_error";

    /** True for {@link #internal} failures (no precise reason known). */
    public boolean unexpected() {
        return code.equals(INTERNAL_ERROR);
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

    /** Training finished, but building one of its outputs (merged model, predictions, GGUF) failed. */
    public static JobFailure outputFailed(String phase, String detail) {
        return new JobFailure("output_failed", "Training finished but " + phase + " failed: " + detail
                + ". The artifacts stored before this step are kept; fix the cause and submit a new job.");
    }

    /** Anything unexpected. */
    public static JobFailure internal(String detail) {
        return new JobFailure(INTERNAL_ERROR, "The trainer failed unexpectedly: " + detail
                + ". The worker log has the stack trace; report it if it repeats.");
    }
}
