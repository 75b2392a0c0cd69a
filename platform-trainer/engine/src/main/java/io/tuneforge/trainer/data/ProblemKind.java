package io.tuneforge.trainer.data;

/** The kinds of defect a dataset row or file can have; each is an error (rejects the row) or a warning. */
public enum ProblemKind {
    /** The file cannot be opened or read. */
    UNREADABLE_FILE(true),
    /** The file holds no records. */
    EMPTY_FILE(true),
    /** A line or record is not valid JSON. */
    INVALID_JSON(true),
    /** Bytes that are not valid UTF-8. */
    NON_UTF8(true),
    /** A CSV row is malformed (unclosed quote, wrong number of columns). */
    MALFORMED_ROW(true),
    /** A required field is absent. */
    MISSING_FIELD(true),
    /** A required field is present but empty. */
    EMPTY_FIELD(true),
    /** A field has the wrong JSON type (for example a number where text is expected). */
    WRONG_TYPE(true),
    /** A field has a value the format does not allow (unknown role, turns out of order). */
    INVALID_VALUE(true),
    /** The rows do not fit the requested format; the report suggests the format that fits. */
    FORMAT_MISMATCH(true),
    /** The row repeats an earlier row exactly (removed by preparation). */
    DUPLICATE_ROW(false),
    /** The row is longer than the cutoff (it will be truncated). */
    TOO_LONG(false);

    private final boolean error;

    ProblemKind(boolean error) {
        this.error = error;
    }

    /** Errors make a row invalid; warnings are reported but keep the row. */
    public boolean isError() {
        return error;
    }
}
