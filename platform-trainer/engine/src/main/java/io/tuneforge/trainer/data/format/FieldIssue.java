package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.ProblemKind;

/**
 * A defect a format reader found in one record.
 *
 * @param kind   what is wrong
 * @param field  the field path ({@code output}, {@code conversations[2].from}); empty for the record as a whole
 * @param reason what is wrong and what to do, in words
 */
public record FieldIssue(ProblemKind kind, String field, String reason) {
}
