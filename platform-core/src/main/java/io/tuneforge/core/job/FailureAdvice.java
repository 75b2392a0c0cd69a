package io.tuneforge.core.job;

import java.util.Locale;

/** Turns a job's failure code and message into advice a user can act on. */
public final class FailureAdvice {

    private FailureAdvice() {
    }

    /** What to try next for a failure. */
    public static String advise(String code, String message) {
        String text = ((code == null ? "" : code) + " " + (message == null ? "" : message)).toLowerCase(Locale.ROOT);
        if (text.contains("out of memory") || text.contains("out_of_memory") || text.contains("oom")) {
            return "The device ran out of memory. Lower per_device_train_batch_size (raise gradient_accumulation_steps "
                    + "to keep the effective batch), lower cutoff_len, or use LoRA instead of full fine-tuning.";
        }
        if (text.contains("nan") || text.contains("diverg")) {
            return "The loss became NaN or diverged. Lower learning_rate (e.g. by 10x), add warmup_steps, "
                    + "and keep max_grad_norm at 1.0.";
        }
        if (text.contains("dataset") || text.contains("row") || text.contains("template")) {
            return "The data could not be prepared. Open the dataset's validation report and its preview with the "
                    + "model's chat template, fix the rows named there, and upload a new version.";
        }
        if (text.contains("lease") || text.contains("heartbeat") || text.contains("worker")) {
            return "The worker stopped answering. The job is restarted automatically on another worker (lost workers "
                    + "do not use up its attempts, up to the platform's limit of such restarts); "
                    + "if it keeps failing, ask an administrator to check the worker.";
        }
        if (text.contains("cancel")) {
            return "The job was cancelled. Clone it to run it again.";
        }
        return "Read the last events and the log tail below for the cause; clone the job to retry with changed settings.";
    }
}
