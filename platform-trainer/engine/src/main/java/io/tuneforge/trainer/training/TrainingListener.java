package io.tuneforge.trainer.training;

/**
 * Receives a run's progress on the training thread; keep handlers quick (hand off to another thread for I/O that
 * may block). Every method has an empty default.
 */
public interface TrainingListener {

    /** Before the first step (also when resuming). */
    default void onTrainingStarted(TrainingPlan plan) {
    }

    /** Every {@code logging_steps} optimizer steps. */
    default void onLog(TrainingLog log) {
    }

    /** During a validation pass at {@code step}: {@code done} of {@code total} validation samples scored. */
    default void onEvaluationProgress(long step, int done, int total) {
    }

    /** After each validation pass. */
    default void onEvaluation(EvaluationResult result) {
    }

    /** After a checkpoint directory was renamed into place. */
    default void onCheckpointSaved(CheckpointSaved event) {
    }

    /** Once, after the result was written (or the run was cancelled or stopped early). */
    default void onTrainingFinished(TrainingResult result) {
    }

    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() {
    };
}
