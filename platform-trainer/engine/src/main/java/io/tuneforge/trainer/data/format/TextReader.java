package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.Example;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Plain-text rows for continued pre-training: one non-empty text column ({@code text} unless mapped). */
public final class TextReader implements RecordReader {

    private final String column;

    public TextReader(String column) {
        this.column = column;
    }

    @Override
    public ReadOutcome read(JsonNode record) {
        if (!record.isObject()) {
            return ReadOutcome.failed(List.of(Fields.notAnObject(record)));
        }
        List<FieldIssue> issues = new ArrayList<>();
        Optional<String> text = Fields.requiredText(record, column, true, issues);
        return text.map(t -> ReadOutcome.of(Example.text(t))).orElseGet(() -> ReadOutcome.failed(issues));
    }
}
