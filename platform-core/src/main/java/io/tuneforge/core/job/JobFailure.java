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

    /** The job lost its worker too many times (more than {@code tuneforge.queue.max-infrastructure-retries}). */
    public static JobFailure workerLost(int losses) {
        return new JobFailure("worker_lost", "The job's worker stopped responding " + losses + " times (lost "
                + "workers do not use up max_attempts, but their restarts are bounded by the platform's "
                + "tuneforge.queue.max-infrastructure-retries). Check the workers' logs (memory, disk space, crashes) "
                + "and resubmit.");
    }

    /** Code of {@link #diskFull}. */
    public static final String DISK_FULL = "disk_full";

    /**
     * A disk filled up. The message names what was being written and the space, never a server path (members read it;
     * administrators find the folder in the worker's log).
     *
     * @param writing     what was being written, e.g. "the checkpoint at step 100"
     * @param neededBytes the space the write needs, if known
     * @param freeBytes   the space left for it, if known
     */
    public static JobFailure diskFull(String writing, java.util.OptionalLong neededBytes,
            java.util.OptionalLong freeBytes) {
        String needed = neededBytes.isPresent() ? "needs about " + bytes(neededBytes.getAsLong()) : "needs more space";
        String free = freeBytes.isPresent() ? bytes(freeBytes.getAsLong()) + " free" : "free space unknown";
        return new JobFailure(DISK_FULL, "The disk ran out of space while writing " + writing + " (" + needed + ", "
                + free + "). Ask an administrator to free space on the worker or its artifact store, or keep fewer "
                + "checkpoints (save_total_limit) and save less often (save_steps), then resume or resubmit.");
    }

    /** A size for people: {@code 1.5 GB}, {@code 300 MB}, {@code 12 KB}, {@code 80 bytes} (powers of 1000). */
    static String bytes(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.1f GB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.1f MB", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(java.util.Locale.ROOT, "%.1f KB", n / 1e3);
        }
        return n + " bytes";
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
