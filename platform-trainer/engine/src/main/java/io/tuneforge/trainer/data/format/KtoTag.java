package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/** The optional KTO desirability flag of a row (boolean), kept as the example's label {@code true}/{@code false}. */
final class KtoTag {

    private KtoTag() {
    }

    static Optional<String> read(JsonNode record, String field, List<FieldIssue> issues) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                    "'" + field + "' must be true or false, found " + Fields.typeName(value)));
            return Optional.empty();
        }
        return Optional.of(Boolean.toString(value.asBoolean()));
    }
}
