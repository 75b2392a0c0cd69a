package io.tuneforge.core.job;

/** What the queue answers a worker's heartbeat for one job. */
public enum HeartbeatAnswer {
    /** Keep training. */
    CONTINUE,
    /** A user asked to cancel: stop at the next step boundary and report cancelled. */
    CANCEL,
    /** A user asked to pause: save a checkpoint, stop, and report paused. */
    PAUSE,
    /** The lease is gone (the reaper gave the job to another worker): stop now and write nothing more. */
    LEASE_LOST
}
