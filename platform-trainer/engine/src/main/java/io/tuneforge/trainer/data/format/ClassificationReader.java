package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Classification rows: a text column and a label column (text, number or boolean; names from {@link Columns}). */
public final class ClassificationReader implements RecordReader {

    private final Columns columns;

    public ClassificationReader(Columns columns) {
        this.columns = columns;
    }

    @Override
    public ReadOutcome read(JsonNode record) {
        if (!record.isObject()) {
            return ReadOutcome.failed(List.of(Fields.notAnObject(record)));
        }
        List<FieldIssue> issues = new ArrayList<>();
        Optional<String> text = Fields.requiredText(record, columns.text(), true, issues);
        Optional<String> label = label(record, issues);
        if (!issues.isEmpty()) {
            return ReadOutcome.failed(issues);
        }
        return ReadOutcome.of(Example.classification(text.get(), label.get()));
    }

    private Optional<String> label(JsonNode record, List<FieldIssue> issues) {
        String field = columns.label();
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            issues.add(new FieldIssue(ProblemKind.MISSING_FIELD, field, "required field '" + field + "' is "
                    + (value == null ? "missing" : "null")));
            return Optional.empty();
        }
        if (!value.isString() && !value.isNumber() && !value.isBoolean()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                    "'" + field + "' must be text, a number or a boolean, found " + Fields.typeName(value)));
            return Optional.empty();
        }
        String label = value.isString() ? value.asString() : value.toString();
        if (label.isBlank()) {
            issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, field, "'" + field + "' is empty"));
            return Optional.empty();
        }
        return Optional.of(label.strip());
    }
}
