package io.tuneforge.core.job;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;
import java.util.Locale;

/** A job's lifecycle, as in the OpenAI fine-tuning API plus pause. */
public enum JobStatus {
    VALIDATING_FILES,
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

    /** The API spelling, e.g. {@code validating_files}. */
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
