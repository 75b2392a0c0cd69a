package io.tuneforge.trainer.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * Appends one JSON line per logging step and evaluation to {@code trainer_log.jsonl} in the output directory, with
 * LLaMA-Factory's keys ({@code current_steps}, {@code total_steps}, {@code loss}, {@code eval_loss}, {@code lr},
 * {@code epoch}, {@code percentage}, {@code elapsed_time}, {@code remaining_time}, {@code throughput},
 * {@code total_tokens}) plus {@code grad_norm} and {@code eval_perplexity}, so existing tooling can read our runs;
 * a stage's own metrics ({@link TrainingLog#metrics()}, e.g. {@code rewards/accuracies}) follow under TRL's names.
 * Appending keeps the lines of an interrupted session when the run resumes.
 */
public final class TrainerLogWriter implements TrainingListener {

    /** File name inside the output directory. */
    public static final String FILE_NAME = "trainer_log.jsonl";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private long totalSteps;

    public TrainerLogWriter(Path outputDir) {
        this.file = outputDir.resolve(FILE_NAME);
    }

    @Override
    public void onTrainingStarted(TrainingPlan plan) {
        totalSteps = plan.totalSteps();
    }

    @Override
    public void onLog(TrainingLog log) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("current_steps", log.step());
        line.put("total_steps", log.totalSteps());
        line.put("loss", round(log.loss(), 4));
        line.put("lr", log.learningRate());
        line.put("epoch", round(log.epoch(), 2));
        line.put("percentage", round(100.0 * log.step() / log.totalSteps(), 2));
        line.put("elapsed_time", hms(log.elapsed().toSeconds()));
        line.put("remaining_time", hms(log.eta().toSeconds()));
        line.put("throughput", round(log.tokensPerSecond(), 2));
        line.put("total_tokens", log.tokensSeen());
        line.put("grad_norm", round(log.gradNorm(), 4));
        log.metrics().forEach((name, value) -> line.put(name, round(value, 4)));
        append(line);
    }

    @Override
    public void onEvaluation(EvaluationResult result) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("current_steps", result.step());
        line.put("total_steps", totalSteps);
        line.put("eval_loss", round(result.loss(), 4));
        line.put("eval_perplexity", round(result.perplexity(), 4));
        result.metrics().forEach((name, value) -> line.put("eval_" + name, round(value, 4)));
        line.put("epoch", round(result.epoch(), 2));
        line.put("percentage", totalSteps == 0 ? 0.0 : round(100.0 * result.step() / totalSteps, 2));
        append(line);
    }

    private void append(Map<String, Object> line) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    private static double round(double value, int digits) {
        if (!Double.isFinite(value)) {
            return value;
        }
        double f = Math.pow(10, digits);
        return Math.round(value * f) / f;
    }

    /** LLaMA-Factory's {@code H:MM:SS}. */
    static String hms(long seconds) {
        return String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
