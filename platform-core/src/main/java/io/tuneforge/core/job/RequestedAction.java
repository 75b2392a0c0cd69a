package io.tuneforge.core.job;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;

/** What a user asked of a running job; the worker holding it acts at the next step boundary. */
public enum RequestedAction {
    CANCEL,
    PAUSE;

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<RequestedAction> {
        Column() {
            super(RequestedAction.class);
        }
    }
}
