package io.tuneforge.trainer.worker;

/** Why a running job must stop before it completes. */
public enum JobStopReason {
    /** A user cancelled the job: stop at once, no checkpoint needed. */
    CANCEL(false),
    /** A user paused the job: save a checkpoint, then stop; it resumes from there. */
    PAUSE(true),
    /** This worker is shutting down: save a checkpoint, then stop; another worker resumes the job. */
    SHUTDOWN(true),
    /** The lease is gone (another worker owns the job now): stop at once and write nothing more. */
    LEASE_LOST(false);

    private final boolean saveCheckpointFirst;

    JobStopReason(boolean saveCheckpointFirst) {
        this.saveCheckpointFirst = saveCheckpointFirst;
    }

    /** True when the runner should save a checkpoint before returning. */
    public boolean saveCheckpointFirst() {
        return saveCheckpointFirst;
    }
}
