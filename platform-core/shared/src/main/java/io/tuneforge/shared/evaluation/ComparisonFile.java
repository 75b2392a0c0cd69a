package io.tuneforge.shared.evaluation;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a job's {@code predictions.jsonl} of {@link ComparisonRow}s: one JSON object per line with string fields
 * {@code prompt}, {@code base}, {@code tuned} and optionally {@code label}. Blank lines are skipped; any other bad line
 * is refused with the file, the line number and what is wrong. (The trainer writes it with its JSON Lines writer.)
 */
public final class ComparisonFile {

    /** The file name inside a job's predictions artifact folder. */
    public static final String FILE_NAME = "predictions.jsonl";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ComparisonFile() {
    }

    /** Every row of the file, in file order; refuses a file without rows. */
    public static List<ComparisonRow> read(Path file) {
        List<ComparisonRow> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    rows.add(parse(file, number, line));
                }
            }
        } catch (IOException e) {
            throw new EvaluationException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new EvaluationException(file + " has no rows: the job wrote no predictions to rate");
        }
        return rows;
    }

    static ComparisonRow parse(Path file, int lineNumber, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new EvaluationException(file + " line " + lineNumber + ": not valid JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        if (!node.isObject()) {
            throw new EvaluationException(file + " line " + lineNumber
                    + ": expected a JSON object with prompt, label, base and tuned");
        }
        return new ComparisonRow(text(file, lineNumber, node, "prompt", true), text(file, lineNumber, node, "label", false),
                text(file, lineNumber, node, "base", true), text(file, lineNumber, node, "tuned", true));
    }

    private static String text(Path file, int lineNumber, JsonNode row, String field, boolean required) {
        JsonNode value = row.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new EvaluationException(file + " line " + lineNumber + ": field \"" + field + "\" is missing");
            }
            return "";
        }
        if (!value.isString()) {
            throw new EvaluationException(file + " line " + lineNumber + ": field \"" + field
                    + "\" must be a string, was " + value.getNodeType().name().toLowerCase());
        }
        return value.asString();
    }
}
