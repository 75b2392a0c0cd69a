package io.tuneforge.trainer.playground;

/** What a user picked to chat with: a registered base model, or a succeeded job's tuned model. */
public sealed interface ModelChoice {

    /**
     * A registered base model.
     *
     * @param baseModelId the base model's id
     */
    record Base(long baseModelId) implements ModelChoice {
    }

    /**
     * The tuned model of a succeeded job.
     *
     * @param jobId the job's id
     */
    record Tuned(long jobId) implements ModelChoice {
    }
}
