package io.tuneforge.core.job;

/**
 * Kinds of {@link JobEvent}, named as in Together's fine-tuning events. Stored as the enum name in
 * {@code job_events.type}; clients should ignore kinds they do not know.
 */
public enum JobEventType {
    /** Job created (data: the pre-flight estimate, when there is one). */
    JOB_PENDING,
    /** The job waits in the queue. */
    JOB_QUEUED,
    /** A worker claimed the job and started (or resumed) training. */
    JOB_START,
    /** A checkpoint was saved (data: step, path). */
    CHECKPOINT_SAVE,
    /** An evaluation finished (data: step and metrics). */
    EVAL_COMPLETE,
    /** Training finished; artifacts are stored. */
    TRAINING_COMPLETE,
    /** An artifact (adapter, merged model, predictions) was stored. */
    ARTIFACT_SAVED,
    /** The job failed (data: error code). */
    JOB_ERROR,
    /** A user asked to cancel. */
    CANCEL_REQUESTED,
    /** The job is cancelled. */
    JOB_CANCELLED,
    /** A user asked to pause. */
    PAUSE_REQUESTED,
    /** The job is paused; it holds no device. */
    JOB_PAUSED,
    /** A paused job went back to the queue. */
    JOB_RESUMED,
    /** The job went back to the queue after losing its worker and will resume from its last checkpoint. */
    JOB_RESTARTED,
    /** The worker running the job stopped heartbeating. */
    WORKER_LOST,
    /** Informational message from the trainer. */
    MESSAGE
}
