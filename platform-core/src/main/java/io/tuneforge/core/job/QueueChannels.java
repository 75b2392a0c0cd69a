package io.tuneforge.core.job;

/** PostgreSQL {@code LISTEN/NOTIFY} channels of the queue; payloads are job ids. */
public final class QueueChannels {

    /** A job entered the queue (submitted, resumed, or re-queued after a lost worker). */
    public static final String JOB_QUEUED = "tuneforge_job_queued";

    /** A cancel or pause was requested for a running job. */
    public static final String JOB_CONTROL = "tuneforge_job_control";

    private QueueChannels() {
    }
}
