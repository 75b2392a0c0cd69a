package io.tuneforge.trainer.cli;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.trainer.evaluation.EvalDataset;
import io.tuneforge.trainer.evaluation.EvalExample;
import io.tuneforge.trainer.evaluation.Evaluator;
import io.tuneforge.trainer.evaluation.GenerationMetrics;
import io.tuneforge.trainer.evaluation.LossResult;
import io.tuneforge.trainer.evaluation.Prediction;
import io.tuneforge.trainer.evaluation.PredictionsFile;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.recipe.RecipeMapping;
import io.tuneforge.trainer.training.TrainingConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntConsumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code do_predict: true} in a {@code train --config} YAML: LLaMA-Factory's prediction run (its
 * {@code examples/extras/nlg_eval}). The model (with {@code adapter_name_or_path}) answers every row of
 * {@code eval_dataset}; {@code output_dir} receives {@code generated_predictions.jsonl} ({@code prompt}, {@code predict},
 * {@code label} per line) and {@code predict_results.json} / {@code all_results.json} with LLaMA-Factory's metric names:
 * {@code predict_bleu-4}, {@code predict_rouge-1/2/l} (×100, as its {@code ComputeSimilarity}) with
 * {@code predict_with_generate}, else {@code predict_loss}; plus {@code predict_runtime},
 * {@code predict_samples_per_second} and {@code predict_steps_per_second}.
 */
final class PredictRun {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PredictRun() {
    }

    /** Runs the prediction of {@code recipe}, relative paths against {@code baseDir}; returns the output folder. */
    static Path run(JobRecipe recipe, Path baseDir, PrintStream console) throws IOException {
        Path modelDir = RecipeMapping.path(recipe.model().modelNameOrPath(), baseDir).orElseThrow(() ->
                new TrainingConfigException("model_name_or_path is required for do_predict: the model to answer with"));
        Optional<Path> adapter = RecipeMapping.path(recipe.model().adapterNameOrPath(), baseDir);
        if (recipe.data().evalDatasets().isEmpty()) {
            throw new TrainingConfigException("eval_dataset is required with do_predict: a comma list of "
                    + "dataset_info.json names or files to answer");
        }
        Optional<Path> datasetDir = RecipeMapping.path(recipe.data().datasetDir(), baseDir);
        List<EvalExample> rows = rows(recipe, datasetDir);
        Path outputDir = RecipeMapping.path(recipe.outputs().outputDir(), baseDir)
                .orElse(baseDir.resolve("saves/predict"));
        Files.createDirectories(outputDir);
        int batch = recipe.evaluation().perDeviceEvalBatchSize();
        console.printf(Locale.ROOT, "predicting %d rows of %s with %s%s (batch %d, %s)%n", rows.size(),
                String.join(", ", recipe.data().evalDatasets()), modelDir, adapter.map(a -> " + " + a).orElse(""),
                batch, recipe.evaluation().predictWithGenerate() ? "generating" : "loss only");
        Map<String, Object> metrics = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (Evaluator evaluator = Evaluator.open(modelDir, adapter, recipe.data().template(),
                RecipeMapping.precision(recipe))) {
            if (recipe.evaluation().predictWithGenerate()) {
                List<Prediction> predictions = evaluator.predict(rows, generation(recipe), batch,
                        progress(console, rows.size()));
                PredictionsFile.writeRows(outputDir.resolve("generated_predictions.jsonl"),
                        predictions.stream().map(PredictRun::llamaFactoryRow).toList());
                GenerationMetrics scores = PredictionsFile.score(predictions);
                metrics.put("predict_bleu-4", scores.bleu4());
                metrics.put("predict_rouge-1", scores.rouge1());
                metrics.put("predict_rouge-2", scores.rouge2());
                metrics.put("predict_rouge-l", scores.rougeL());
            } else {
                LossResult loss = evaluator.loss(rows, progress(console, rows.size()));
                metrics.put("predict_loss", loss.loss());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.put("predict_runtime", round(seconds));
        metrics.put("predict_samples_per_second", round(rows.size() / seconds));
        metrics.put("predict_steps_per_second", round(Math.ceil(rows.size() / (double) batch) / seconds));
        writeJson(outputDir.resolve("predict_results.json"), metrics);
        writeJson(outputDir.resolve("all_results.json"), metrics);
        metrics.forEach((k, v) -> console.printf(Locale.ROOT, "  %-28s %s%n", k, v));
        return outputDir;
    }

    /** Every row of each eval dataset, at most {@code max_samples} of each, as LLaMA-Factory's loader takes them. */
    private static List<EvalExample> rows(JobRecipe recipe, Optional<Path> datasetDir) {
        List<EvalExample> rows = new ArrayList<>();
        for (String name : recipe.data().evalDatasets()) {
            List<EvalExample> all = EvalDataset.read(name, datasetDir);
            long limit = recipe.data().maxSamples().orElse((long) all.size());
            rows.addAll(all.subList(0, (int) Math.min(limit, all.size())));
        }
        return rows;
    }

    /** The recipe's generation keys (LLaMA-Factory's names and defaults), seeded with {@code seed}: reproducible. */
    static GenerationConfig generation(JobRecipe recipe) {
        GenerationConfig g = RecipeMapping.generation(recipe, Integer.MAX_VALUE);
        return new GenerationConfig(g.maxNewTokens(), g.temperature(), g.topK(), g.topP(), g.repetitionPenalty(),
                OptionalLong.of(recipe.optimization().seed()), g.stopStrings(), g.stopOnEos());
    }

    /** A line of LLaMA-Factory's {@code generated_predictions.jsonl}: prompt, predict, label. */
    private static Map<String, String> llamaFactoryRow(Prediction p) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("prompt", p.prompt());
        row.put("predict", p.predict());
        row.put("label", p.label());
        return row;
    }

    private static IntConsumer progress(PrintStream console, int total) {
        long[] last = {0};
        return done -> {
            long now = System.nanoTime();
            if (done == total || now - last[0] > 2_000_000_000L) {
                last[0] = now;
                console.printf(Locale.ROOT, "predict %d/%d%n", done, total);
            }
        };
    }

    private static double round(double value) {
        return Math.round(value * 1e4) / 1e4;
    }

    private static void writeJson(Path file, Map<String, Object> values) throws IOException {
        Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".tmp");
        try {
            Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(values) + "\n");
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
