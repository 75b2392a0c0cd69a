package io.tuneforge.core.evaluation;

import io.tuneforge.core.platform.LowercaseEnumConverter;
import jakarta.persistence.Converter;
import java.util.Optional;

/** Which answer the rater prefers overall. */
public enum Preference {
    A,
    B,
    TIE;

    /** The preferred side; empty for a tie. */
    public Optional<Side> side() {
        return switch (this) {
            case A -> Optional.of(Side.A);
            case B -> Optional.of(Side.B);
            case TIE -> Optional.empty();
        };
    }

    @Converter(autoApply = true)
    static class Column extends LowercaseEnumConverter<Preference> {
        Column() {
            super(Preference.class);
        }
    }
}
