package io.tuneforge.core.model;

/** Where a Hub import stands. */
public enum HubImportStatus {
    /** Downloading, or registering the complete download. */
    RUNNING,
    /** Registered as a base model. */
    SUCCEEDED,
    /** Stopped by an error; nothing was kept. */
    FAILED,
    /** Cancelled before registration; nothing was kept. */
    CANCELLED
}
