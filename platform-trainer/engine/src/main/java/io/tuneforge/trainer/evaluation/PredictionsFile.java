package io.tuneforge.trainer.evaluation;

import io.tuneforge.shared.evaluation.EvaluationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads and writes JSON Lines files of rows (predictions, comparisons), one object per line, written atomically. */
public final class PredictionsFile {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PredictionsFile() {
    }

    /** Writes {@code prompt, label, predict} rows. */
    public static void write(Path file, List<Prediction> predictions) {
        writeRows(file, predictions.stream().<Object>map(p -> p).toList());
    }

    /** Writes any JSON-serialisable rows (records, maps), one per line, through a temporary file and a rename. */
    public static void writeRows(Path file, List<?> rows) {
        Path parent = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, "." + file.getFileName() + ".", ".tmp");
            try {
                try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    for (Object row : rows) {
                        w.write(JSON.writeValueAsString(row));
                        w.write('\n');
                    }
                }
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads a predictions file; a line without a string {@code label} or {@code predict} fails naming the line. */
    public static List<Prediction> read(Path file) {
        List<Prediction> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (JacksonException e) {
                    throw new EvaluationException(file + ", line " + number + ": not valid JSON (" + e.getOriginalMessage()
                            + ")");
                }
                out.add(new Prediction(row.path("prompt").asString(""), text(file, number, row, "label"),
                        text(file, number, row, "predict")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    private static String text(Path file, int line, JsonNode row, String field) {
        JsonNode v = row.get(field);
        if (v == null || !v.isString()) {
            throw new EvaluationException(file + ", line " + line + ": field \"" + field
                    + "\" is missing or not a string; each line needs \"label\" and \"predict\"");
        }
        return v.asString();
    }

    /** Scores every prediction against its label. */
    public static GenerationMetrics score(List<Prediction> predictions) {
        return GenerationMetrics.compute(predictions.stream().map(Prediction::predict).toList(),
                predictions.stream().map(Prediction::label).toList());
    }

    /** A metrics map as printed in JSON reports ({@code bleu-4}, {@code rouge-1}, ... like LLaMA-Factory). */
    public static Map<String, Object> asReport(GenerationMetrics m) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("samples", m.samples());
        report.put("bleu-4", m.bleu4());
        report.put("rouge-1", m.rouge1());
        report.put("rouge-2", m.rouge2());
        report.put("rouge-l", m.rougeL());
        report.put("tokenization", m.tokenizationSummary());
        return report;
    }
}
