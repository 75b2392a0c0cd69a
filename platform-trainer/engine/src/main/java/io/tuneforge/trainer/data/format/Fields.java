package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/** Field access with issue reporting shared by the format readers. */
final class Fields {

    private Fields() {
    }

    /** A required text field: absent/null, non-text and (when {@code nonEmpty}) blank values are issues. */
    static Optional<String> requiredText(JsonNode record, String field, boolean nonEmpty, List<FieldIssue> issues) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            issues.add(new FieldIssue(ProblemKind.MISSING_FIELD, field,
                    "required field '" + field + "' is " + (value == null ? "missing" : "null")));
            return Optional.empty();
        }
        if (!value.isString()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                    "'" + field + "' must be text, found " + typeName(value)));
            return Optional.empty();
        }
        if (nonEmpty && value.asString().isBlank()) {
            issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, field, "'" + field + "' is empty"));
            return Optional.empty();
        }
        return Optional.of(value.asString());
    }

    /** An optional text field: absent or null gives empty; a non-text value is an issue. */
    static Optional<String> optionalText(JsonNode record, String field, List<FieldIssue> issues) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isString()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                    "'" + field + "' must be text, found " + typeName(value)));
            return Optional.empty();
        }
        return Optional.of(value.asString());
    }

    /** The JSON type of a value in words. */
    static String typeName(JsonNode value) {
        if (value.isString()) {
            return "text";
        }
        if (value.isNumber()) {
            return "a number";
        }
        if (value.isBoolean()) {
            return "a boolean";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "an object";
        }
        return "null";
    }

    /** Issue for a record that is not an object. */
    static FieldIssue notAnObject(JsonNode record) {
        return new FieldIssue(ProblemKind.WRONG_TYPE, "", "each record must be a JSON object, found "
                + typeName(record));
    }
}
