package io.tuneforge.core.job;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;
import java.util.Locale;
import java.util.Set;

/**
 * A job's lifecycle, as in the OpenAI fine-tuning API plus pause. A job is queued when it is submitted (its files
 * were validated on upload; a job on invalid data is refused), runs on a worker, may be paused and resumed, and ends
 * succeeded, failed or cancelled.
 */
public enum JobStatus {
    QUEUED,
    RUNNING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    /** True once the job can no longer change. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /**
     * The moves the lifecycle allows: queued → running (a claim), paused or cancelled; running → any other status
     * (finished, failed, cancelled, paused, or back to the queue after losing its worker); paused → queued (resume)
     * or cancelled. A terminal status never changes.
     */
    public boolean canBecome(JobStatus next) {
        return switch (this) {
            case QUEUED -> Set.of(RUNNING, PAUSED, CANCELLED).contains(next);
            case RUNNING -> next != RUNNING;
            case PAUSED -> next == QUEUED || next == CANCELLED;
            case SUCCEEDED, FAILED, CANCELLED -> false;
        };
    }

    /** The API spelling, e.g. {@code succeeded}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<JobStatus> {
        Column() {
            super(JobStatus.class);
        }
    }
}
