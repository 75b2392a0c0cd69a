package io.tuneforge.trainer.data.validation;

import java.util.Optional;

/**
 * How to validate a dataset.
 *
 * @param maxReportedProblems problems reported in full (the rest are only counted per kind); 20 by default
 * @param cutoff              rows longer than this are reported (as warnings: they will be truncated); empty: no check
 * @param lengthMeasure       how the cutoff is measured: characters by default, tokens with a tokenizer
 * @param dropInvalidRows     keep the valid rows of an invalid file (every dropped row is listed) instead of
 *                            rejecting the file whole
 */
public record ValidationOptions(int maxReportedProblems, Optional<Integer> cutoff, LengthMeasure lengthMeasure,
        boolean dropInvalidRows) {

    public ValidationOptions {
        if (maxReportedProblems < 0) {
            throw new IllegalArgumentException("maxReportedProblems must be >= 0");
        }
        cutoff = cutoff == null ? Optional.empty() : cutoff;
        lengthMeasure = lengthMeasure == null ? LengthMeasure.characters() : lengthMeasure;
    }

    /** 20 problems in full, no cutoff, characters, reject invalid files whole. */
    public static ValidationOptions defaults() {
        return new ValidationOptions(20, Optional.empty(), LengthMeasure.characters(), false);
    }

    public ValidationOptions withCutoff(int newCutoff, LengthMeasure measure) {
        return new ValidationOptions(maxReportedProblems, Optional.of(newCutoff), measure, dropInvalidRows);
    }

    public ValidationOptions withDropInvalidRows(boolean drop) {
        return new ValidationOptions(maxReportedProblems, cutoff, lengthMeasure, drop);
    }

    public ValidationOptions withMaxReportedProblems(int max) {
        return new ValidationOptions(max, cutoff, lengthMeasure, dropInvalidRows);
    }
}
