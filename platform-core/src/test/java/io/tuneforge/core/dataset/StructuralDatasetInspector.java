package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetFileTypes;
import io.tuneforge.shared.dataset.parquet.ParquetReader;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small stand-in for the data pipeline in core's own tests (core has no dataset reader; the real
 * {@link DatasetInspector} is the trainer's): reads a JSON array or JSON Lines file whole, tells the format from the
 * first record's keys the way the pipeline does (preference first) and checks each record's fields and JSON types.
 * A column mapping renames the mapped fields to the formats' own names before that.
 */
public class StructuralDatasetInspector implements DatasetInspector {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** LLaMA-Factory column keys to the formats' own field names. */
    private static final Map<String, String> DEFAULT_NAMES = Map.of("prompt", "instruction", "query", "input",
            "response", "output", "messages", "conversations", "system", "system", "chosen", "chosen",
            "rejected", "rejected", "text", "text", "label", "label");

    @Override
    public Optional<DatasetFormat> detect(Path file, ColumnMapping mapping) {
        try {
            return records(file, mapping).stream().findFirst().flatMap(record -> detect(record.value()));
        } catch (DatasetException e) {
            return Optional.empty();
        }
    }

    @Override
    public ValidationSummary validate(Path file, DatasetFormat format, ColumnMapping mapping) {
        List<DatasetRecord> records;
        try {
            records = records(file, mapping);
        } catch (DatasetException e) {
            return new ValidationSummary(0, 1, List.of(new ValidationSummary.Problem(0, "", e.getMessage())));
        }
        if (records.isEmpty()) {
            return new ValidationSummary(0, 1, List.of(new ValidationSummary.Problem(0, "", "The file holds no records")));
        }
        List<ValidationSummary.Problem> problems = new ArrayList<>();
        records.forEach(record -> problems.addAll(check(record.row(), record.value(), format)));
        return new ValidationSummary(records.size(), problems.size(), problems);
    }

    @Override
    public ValidationSummary keepValid(Path file, DatasetFormat format, ColumnMapping mapping, Path target) {
        ValidationSummary report = validate(file, format, mapping);
        List<String> kept = new ArrayList<>();
        try {
            List<DatasetRecord> raw = records(file);
            List<DatasetRecord> mapped = records(file, mapping);
            for (int i = 0; i < raw.size(); i++) {
                DatasetRecord record = raw.get(i);
                if (check(record.row(), mapped.get(i).value(), format).isEmpty()) {
                    kept.add(JSON.writeValueAsString(record.value()));
                }
            }
            Files.write(target, kept, StandardCharsets.UTF_8);
        } catch (DatasetException e) {
            // a file that cannot be read keeps nothing
            try {
                Files.writeString(target, "");
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return report;
    }

    @Override
    public List<DatasetRecord> head(Path file, int limit) {
        List<DatasetRecord> records = records(file);
        return records.subList(0, Math.min(limit, records.size()));
    }

    static Optional<DatasetFormat> detect(JsonNode record) {
        if (record.has("chosen") && record.has("rejected")) {
            return Optional.of(DatasetFormat.PREFERENCE);
        }
        if (record.has("conversations")) {
            return Optional.of(DatasetFormat.SHAREGPT);
        }
        if (record.has("messages")) {
            return Optional.of(DatasetFormat.OPENAI);
        }
        if (record.has("instruction") || record.has("output")) {
            return Optional.of(DatasetFormat.ALPACA);
        }
        if (record.has("text")) {
            return Optional.of(record.has("label") ? DatasetFormat.CLASSIFICATION : DatasetFormat.TEXT);
        }
        return Optional.empty();
    }

    /** Every record with its mapped fields renamed to the formats' own names. */
    private static List<DatasetRecord> records(Path file, ColumnMapping mapping) {
        List<DatasetRecord> records = records(file);
        if (mapping.isEmpty()) {
            return records;
        }
        return records.stream().map(r -> {
            if (!(r.value() instanceof ObjectNode object)) {
                return r;
            }
            ObjectNode renamed = object.deepCopy();
            mapping.columns().forEach((key, field) -> {
                if (DEFAULT_NAMES.containsKey(key) && object.has(field)) {
                    renamed.remove(field);
                    renamed.set(DEFAULT_NAMES.get(key), object.get(field));
                }
            });
            return new DatasetRecord(r.row(), renamed);
        }).toList();
    }

    /** Every record, numbered from 1. */
    private static List<DatasetRecord> records(Path file) {
        if (DatasetFileTypes.isParquet(file.getFileName().toString())) {
            return parquetRecords(file);
        }
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<DatasetRecord> records = new ArrayList<>();
        try {
            if (content.startsWith("[")) {
                JsonNode array = JSON.readTree(content);
                for (int i = 0; i < array.size(); i++) {
                    records.add(new DatasetRecord(i + 1, array.get(i)));
                }
            } else {
                for (String line : content.lines().filter(l -> !l.isBlank()).toList()) {
                    records.add(new DatasetRecord(records.size() + 1, JSON.readTree(line)));
                }
            }
        } catch (JacksonException e) {
            throw new DatasetException(file.getFileName() + ", record " + (records.size() + 1) + ": not valid JSON", e);
        }
        return records;
    }

    /** A Parquet file's rows, read by the shared reader as the pipeline reads them. */
    private static List<DatasetRecord> parquetRecords(Path file) {
        List<DatasetRecord> records = new ArrayList<>();
        try (ParquetReader reader = ParquetReader.open(file, file.getFileName().toString())) {
            for (Optional<ObjectNode> row = reader.next(); row.isPresent(); row = reader.next()) {
                records.add(new DatasetRecord(records.size() + 1, row.get()));
            }
        }
        return records;
    }

    static List<ValidationSummary.Problem> check(int row, JsonNode record, DatasetFormat format) {
        List<ValidationSummary.Problem> problems = new ArrayList<>();
        if (!record.isObject()) {
            problems.add(new ValidationSummary.Problem(row, "", "A record must be a JSON object, found " + record.getNodeType()));
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

    private static void requireText(int row, JsonNode record, String field, List<ValidationSummary.Problem> problems) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            problems.add(new ValidationSummary.Problem(row, field, "Missing: add a \"" + field + "\" string"));
        } else if (!value.isString()) {
            problems.add(new ValidationSummary.Problem(row, field, "Must be a string, found " + value.getNodeType()));
        } else if (value.asString().isBlank()) {
            problems.add(new ValidationSummary.Problem(row, field, "Empty: nothing to train on"));
        }
    }

    private static void optionalText(int row, JsonNode record, String field, List<ValidationSummary.Problem> problems) {
        JsonNode value = record.get(field);
        if (value != null && !value.isNull() && !value.isString()) {
            problems.add(new ValidationSummary.Problem(row, field, "Must be a string, found " + value.getNodeType()));
        }
    }

    private static void requirePresent(int row, JsonNode record, String field, List<ValidationSummary.Problem> problems) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            problems.add(new ValidationSummary.Problem(row, field, "Missing: add a \"" + field + "\" field"));
        }
    }

    private static void requireTurns(int row, JsonNode record, String field, String roleKey, String textKey,
            List<ValidationSummary.Problem> problems) {
        JsonNode turns = record.get(field);
        if (turns == null || !turns.isArray() || turns.isEmpty()) {
            problems.add(new ValidationSummary.Problem(row, field, "Must be a non-empty list of turns"));
            return;
        }
        for (int i = 0; i < turns.size(); i++) {
            JsonNode turn = turns.get(i);
            String where = field + "[" + i + "]";
            if (!turn.isObject()) {
                problems.add(new ValidationSummary.Problem(row, where, "A turn must be an object with \"" + roleKey
                        + "\" and \"" + textKey + "\""));
                continue;
            }
            if (!turn.path(roleKey).isString()) {
                problems.add(new ValidationSummary.Problem(row, where + "." + roleKey, "Missing the speaker (\"" + roleKey + "\")"));
            }
            JsonNode text = turn.get(textKey);
            if (text == null || text.isNull()) {
                problems.add(new ValidationSummary.Problem(row, where + "." + textKey, "Missing the text (\"" + textKey + "\")"));
            }
        }
    }
}
