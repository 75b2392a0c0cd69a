package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Streams the first records of a JSON-array or JSON-Lines dataset file without reading it whole (for previews and
 * format detection; full validation belongs to the data pipeline).
 */
public final class DatasetRecords {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private DatasetRecords() {
    }

    /** One record with its 1-based position (array index + 1, or the line number in JSON Lines). */
    public record Numbered(int row, JsonNode value) {
    }

    /** The first record, if the file has any. */
    public static Optional<JsonNode> first(Path file) {
        return head(file, 1).stream().findFirst().map(Numbered::value);
    }

    /** Up to {@code limit} records from the start of the file. */
    public static List<Numbered> head(Path file, int limit) {
        List<Numbered> records = new ArrayList<>();
        visit(file, record -> {
            records.add(record);
            return records.size() < limit;
        });
        return records;
    }

    /** Receives records one by one; returns false to stop reading. */
    @FunctionalInterface
    public interface Visitor {
        boolean accept(Numbered record);
    }

    /** Streams every record of the file to the visitor (until it says stop). */
    public static void visit(Path file, Visitor visitor) {
        try {
            if (DatasetFormatDetector.isJsonArray(file)) {
                visitArray(file, visitor);
            } else {
                visitLines(file, visitor);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read dataset file " + file, e);
        }
    }

    private static void visitArray(Path file, Visitor visitor) {
        int row = 0;
        try (JsonParser parser = JSON.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return;
            }
            while (parser.nextToken() != JsonToken.END_ARRAY && parser.currentToken() != null) {
                row++;
                if (!visitor.accept(new Numbered(row, JSON.readTree(parser)))) {
                    return;
                }
            }
        } catch (JacksonException e) {
            throw new DatasetException(file.getFileName() + ": not valid JSON at record " + Math.max(row, 1)
                    + " (" + e.getOriginalMessage() + "); check for a missing comma or quote there", e);
        }
    }

    private static void visitLines(Path file, Visitor visitor) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode value;
                try {
                    value = JSON.readTree(line);
                } catch (JacksonException e) {
                    throw new DatasetException(file.getFileName() + ", line " + lineNumber + ": not valid JSON ("
                            + e.getOriginalMessage() + "); JSON Lines needs one object per line", e);
                }
                if (!visitor.accept(new Numbered(lineNumber, value))) {
                    return;
                }
            }
        }
    }
}
