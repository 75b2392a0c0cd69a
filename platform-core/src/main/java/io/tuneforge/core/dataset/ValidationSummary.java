package io.tuneforge.core.dataset;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a dataset version keeps of its validation (stored as JSON in {@code dataset_versions.validation_report}, shown
 * in the UI and the REST API): the data pipeline's full report (see {@link DatasetInspector#validate}) reduced to its
 * counts and first problems, each with its row, field and reason.
 *
 * @param rows         records read
 * @param problemCount errors found in total (only the first {@link #MAX_LISTED} are listed); warnings, which keep
 *                     their row usable, are listed but not counted here
 * @param problems     the listed problems, in file order
 * @param countsByKind every problem counted by kind (errors and warnings, e.g. {@code MISSING_FIELD: 3}), when the
 *                     validator tells kinds apart; empty otherwise
 * @param dropped      rows left out of the stored file because they were invalid (the upload asked to keep only the
 *                     valid rows); {@code rows} then counts the rows kept and {@code problems} are the dropped rows'
 */
public record ValidationSummary(int rows, int problemCount, List<Problem> problems, Map<String, Long> countsByKind,
        int dropped) {

    public ValidationSummary {
        problems = problems == null ? List.of() : List.copyOf(problems);
        countsByKind = countsByKind == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(countsByKind));
    }

    /** A report of a file stored as uploaded. */
    public ValidationSummary(int rows, int problemCount, List<Problem> problems, Map<String, Long> countsByKind) {
        this(rows, problemCount, problems, countsByKind, 0);
    }

    /** A report without counts per kind. */
    public ValidationSummary(int rows, int problemCount, List<Problem> problems) {
        this(rows, problemCount, problems, Map.of());
    }

    /** At most this many problems are kept in the report (the count still covers all). */
    public static final int MAX_LISTED = 1000;

    /** Reads reports stored before a field was added (such as {@code dropped}) with that field 0. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();

    /**
     * One problem.
     *
     * @param row    1-based record number (line number for JSON Lines)
     * @param field  the field at fault, e.g. {@code output} or {@code conversations[2].value}
     * @param reason what is wrong and what to do
     */
    public record Problem(int row, String field, String reason) {
    }

    public boolean valid() {
        return problemCount == 0 && rows > 0;
    }

    public String toJson() {
        return JSON.writeValueAsString(this);
    }

    public static ValidationSummary fromJson(String json) {
        return JSON.readValue(json, ValidationSummary.class);
    }
}
