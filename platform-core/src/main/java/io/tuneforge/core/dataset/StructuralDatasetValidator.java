package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Checks that every record is a JSON object with the fields its format needs, with the right JSON types
 * (field names as in LLaMA-Factory's default columns). It does not tokenize or render templates.
 */
public class StructuralDatasetValidator implements DatasetValidator {

    @Override
    public ValidationReport validate(Path file, DatasetFormat format) {
        List<ValidationReport.Problem> problems = new ArrayList<>();
        int[] rows = {0};
        int[] count = {0};
        try {
            DatasetRecords.visit(file, record -> {
                rows[0]++;
                for (ValidationReport.Problem problem : check(record.row(), record.value(), format)) {
                    count[0]++;
                    if (problems.size() < ValidationReport.MAX_LISTED) {
                        problems.add(problem);
                    }
                }
                return true;
            });
        } catch (DatasetException e) {
            count[0]++;
            problems.add(new ValidationReport.Problem(rows[0] + 1, "", e.getMessage()));
        }
        if (rows[0] == 0 && count[0] == 0) {
            count[0]++;
            problems.add(new ValidationReport.Problem(0, "", "The file holds no records: upload a JSON array of objects or JSON Lines"));
        }
        return new ValidationReport(rows[0], count[0], problems);
    }

    /** The problems of one record. */
    static List<ValidationReport.Problem> check(int row, JsonNode record, DatasetFormat format) {
        List<ValidationReport.Problem> problems = new ArrayList<>();
        if (!record.isObject()) {
            problems.add(new ValidationReport.Problem(row, "", "A record must be a JSON object, found " + record.getNodeType()));
            return problems;
        }
        switch (format) {
            case ALPACA -> {
                requireText(row, record, "instruction", problems);
                requireText(row, record, "output", problems);
                optionalText(row, record, "input", problems);
                optionalText(row, record, "system", problems);
            }
            case SHAREGPT -> requireTurns(row, record, "conversations", "from", "value", problems);
            case OPENAI -> requireTurns(row, record, "messages", "role", "content", problems);
            case PREFERENCE -> {
                requirePresent(row, record, "chosen", problems);
                requirePresent(row, record, "rejected", problems);
            }
            case TEXT -> requireText(row, record, "text", problems);
            case CLASSIFICATION -> {
                requireText(row, record, "text", problems);
                requirePresent(row, record, "label", problems);
            }
        }
        return problems;
    }

    private static void requireText(int row, JsonNode record, String field, List<ValidationReport.Problem> problems) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            problems.add(new ValidationReport.Problem(row, field, "Missing: add a \"" + field + "\" string"));
        } else if (!value.isString()) {
            problems.add(new ValidationReport.Problem(row, field, "Must be a string, found " + value.getNodeType()));
        } else if (value.asString().isBlank()) {
            problems.add(new ValidationReport.Problem(row, field, "Empty: nothing to train on"));
        }
    }

    private static void optionalText(int row, JsonNode record, String field, List<ValidationReport.Problem> problems) {
        JsonNode value = record.get(field);
        if (value != null && !value.isNull() && !value.isString()) {
            problems.add(new ValidationReport.Problem(row, field, "Must be a string, found " + value.getNodeType()));
        }
    }

    private static void requirePresent(int row, JsonNode record, String field, List<ValidationReport.Problem> problems) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            problems.add(new ValidationReport.Problem(row, field, "Missing: add a \"" + field + "\" field"));
        }
    }

    private static void requireTurns(int row, JsonNode record, String field, String roleKey, String textKey,
            List<ValidationReport.Problem> problems) {
        JsonNode turns = record.get(field);
        if (turns == null || !turns.isArray() || turns.isEmpty()) {
            problems.add(new ValidationReport.Problem(row, field, "Must be a non-empty list of turns"));
            return;
        }
        for (int i = 0; i < turns.size(); i++) {
            JsonNode turn = turns.get(i);
            String where = field + "[" + i + "]";
            if (!turn.isObject()) {
                problems.add(new ValidationReport.Problem(row, where, "A turn must be an object with \"" + roleKey
                        + "\" and \"" + textKey + "\""));
                continue;
            }
            if (!turn.path(roleKey).isString()) {
                problems.add(new ValidationReport.Problem(row, where + "." + roleKey, "Missing the speaker (\"" + roleKey + "\")"));
            }
            JsonNode text = turn.get(textKey);
            if (text == null || text.isNull()) {
                problems.add(new ValidationReport.Problem(row, where + "." + textKey, "Missing the text (\"" + textKey + "\")"));
            }
        }
    }
}
