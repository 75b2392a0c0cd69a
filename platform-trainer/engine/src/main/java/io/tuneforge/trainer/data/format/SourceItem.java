package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.JsonNode;

/** One item a {@link RecordSource} yields: a parsed record, or a problem where a record should have been. */
public sealed interface SourceItem {

    /** Index of the record in the file, from 0. */
    long index();

    /** Line (from 1) where the record starts. */
    long line();

    /**
     * A record parsed from the file.
     *
     * @param index record index from 0
     * @param line  line where it starts, from 1
     * @param value the record as a JSON object (CSV rows and text lines are turned into objects)
     */
    record RawRecord(long index, long line, JsonNode value) implements SourceItem {
    }

    /**
     * A record that could not be parsed.
     *
     * @param index  record index from 0
     * @param line   line of the defect, from 1
     * @param kind   {@link ProblemKind#INVALID_JSON}, {@link ProblemKind#NON_UTF8}, {@link ProblemKind#MALFORMED_ROW}
     * @param reason the parser's explanation
     * @param fatal  true when reading cannot continue past it (inside a JSON array); the rest of the file is unread
     */
    record SourceProblem(long index, long line, ProblemKind kind, String reason, boolean fatal) implements SourceItem {
    }
}
