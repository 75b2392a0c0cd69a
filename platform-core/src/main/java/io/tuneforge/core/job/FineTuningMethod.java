package io.tuneforge.core.job;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;

/** How a job trains: LoRA adapters, all weights, or only the last layers. */
public enum FineTuningMethod {
    LORA,
    FULL,
    FREEZE;

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<FineTuningMethod> {
        Column() {
            super(FineTuningMethod.class);
        }
    }
}
