package io.tuneforge.core.evaluation;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;

/** Where an answer is shown to the rater: as "Answer A" or as "Answer B". */
public enum Side {
    A,
    B;

    /** The side the other answer is on. */
    public Side other() {
        return this == A ? B : A;
    }

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<Side> {
        Column() {
            super(Side.class);
        }
    }
}
