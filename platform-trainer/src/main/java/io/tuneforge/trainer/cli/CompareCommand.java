package io.tuneforge.trainer.cli;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.evaluation.EvaluationException;
import io.tuneforge.trainer.evaluation.Comparison;
import io.tuneforge.trainer.evaluation.EvalDataset;
import io.tuneforge.trainer.evaluation.EvalExample;
import io.tuneforge.trainer.evaluation.EvalReport;
import io.tuneforge.trainer.evaluation.Evaluator;
import io.tuneforge.trainer.evaluation.Prediction;
import io.tuneforge.trainer.evaluation.PredictionsFile;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.template.TemplateException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code compare}: the base model and base + adapter on the same held-out set, scored the same way, side by side with
 * deltas; per-row answers ({@code prompt, label, base, tuned}) go to a JSON Lines file. The two models are loaded one
 * after the other, never together.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Base vs tuned (base + adapter) on one held-out set: metrics side by side, per-row answers.")
public final class CompareCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base Hugging Face model directory.")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "The tuned PEFT LoRA adapter.")
    Path adapter;

    @Option(names = "--dataset", required = true, paramLabel = "FILE|NAME",
            description = "Held-out rows: a file in any format the data package reads (Alpaca, ShareGPT, messages, "
                    + "classification; JSON, JSONL, Parquet, CSV, TXT) or a name in --dataset-dir's dataset_info.json.")
    String dataset;

    @Option(names = "--dataset-dir", paramLabel = "DIR", description = "Folder with dataset_info.json.")
    Path datasetDir;

    @Option(names = "--output", defaultValue = "comparison.jsonl", paramLabel = "FILE",
            description = "Per-row answers (default ${DEFAULT-VALUE}).")
    Path output;

    @Mixin
    EvalOptions options;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            List<EvalExample> rows = options.limit(EvalDataset.read(dataset, Optional.ofNullable(datasetDir)));
            Run base = run(rows, Optional.empty());
            Run tuned = run(rows, Optional.of(adapter));
            Comparison comparison = new Comparison(base.report(), tuned.report(),
                    Comparison.rows(base.predictions(), tuned.predictions()));
            PredictionsFile.writeRows(output, comparison.rows());
            PrintWriter out = spec.commandLine().getOut();
            if (options.json) {
                out.println(JsonMapper.builder().build().writeValueAsString(comparison.asMap()));
            } else {
                out.print(comparison.table());
                out.println("per-row answers: " + output);
            }
            out.flush();
            return 0;
        } catch (EvaluationException | DatasetException | ExportException | ModelConfigException | TemplateException
                 | IllegalArgumentException | JacksonException e) {
            err.println("compare: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("compare: I/O error: " + e.getMessage());
            return 1;
        }
    }

    private record Run(EvalReport report, List<Prediction> predictions) {
    }

    private Run run(List<EvalExample> rows, Optional<Path> adapterDir) throws IOException {
        try (Evaluator evaluator = Evaluator.open(model, adapterDir, Optional.ofNullable(options.template),
                options.precision())) {
            PrintWriter err = spec.commandLine().getErr();
            String who = adapterDir.isPresent() ? "tuned" : "base";
            var loss = evaluator.loss(rows, EvalOptions.progress(err, who + " loss", rows.size()));
            List<Prediction> predictions = evaluator.predict(rows, options.generation(),
                    EvalOptions.progress(err, who + " predict", rows.size()));
            return new Run(new EvalReport(rows.size(), loss, Optional.of(PredictionsFile.score(predictions))),
                    predictions);
        }
    }
}
