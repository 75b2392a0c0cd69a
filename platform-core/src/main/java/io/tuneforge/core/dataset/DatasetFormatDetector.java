package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Guesses a dataset's {@link DatasetFormat} from the keys of its first record, the way LLaMA-Factory users name them:
 * {@code conversations} (ShareGPT), {@code messages} (OpenAI), {@code chosen}+{@code rejected} (preference),
 * {@code instruction}/{@code output} (Alpaca), {@code text}+{@code label} (classification), {@code text} (plain text).
 */
public final class DatasetFormatDetector {

    private DatasetFormatDetector() {
    }

    /** The detected format, or empty when the first record matches none (the user then picks one). */
    public static Optional<DatasetFormat> detect(Path file) {
        try {
            return DatasetRecords.first(file).flatMap(DatasetFormatDetector::detect);
        } catch (DatasetException | JacksonException e) {
            return Optional.empty();
        }
    }

    /** The format a single record looks like. */
    public static Optional<DatasetFormat> detect(JsonNode record) {
        if (!record.isObject()) {
            return Optional.empty();
        }
        if (record.has("conversations")) {
            return Optional.of(DatasetFormat.SHAREGPT);
        }
        if (record.has("chosen") && record.has("rejected")) {
            return Optional.of(DatasetFormat.PREFERENCE);
        }
        if (record.has("messages")) {
            return Optional.of(DatasetFormat.OPENAI);
        }
        if (record.has("instruction") || record.has("output")) {
            return Optional.of(DatasetFormat.ALPACA);
        }
        if (record.has("text") && record.has("label")) {
            return Optional.of(DatasetFormat.CLASSIFICATION);
        }
        if (record.has("text")) {
            return Optional.of(DatasetFormat.TEXT);
        }
        return Optional.empty();
    }

    /** True when the file's first non-blank character opens a JSON array (else it is read as JSON Lines). */
    static boolean isJsonArray(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int c;
            while ((c = reader.read()) != -1) {
                if (c == '\uFEFF' || Character.isWhitespace(c)) {
                    continue;
                }
                return c == '[';
            }
            return false;
        }
    }
}
