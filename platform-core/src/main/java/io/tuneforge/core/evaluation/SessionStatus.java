package io.tuneforge.core.evaluation;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;

/** Whether a rating session still takes ratings. */
public enum SessionStatus {
    /** Raters may add and replace ratings. */
    OPEN,
    /** Ratings are final; results and the export stay available. */
    CLOSED;

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<SessionStatus> {
        Column() {
            super(SessionStatus.class);
        }
    }
}
