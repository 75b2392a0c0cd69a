package io.tuneforge.trainer.cli;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.evaluation.EvaluationException;
import io.tuneforge.trainer.evaluation.ClassificationMetrics;
import io.tuneforge.trainer.evaluation.EvalDataset;
import io.tuneforge.trainer.evaluation.EvalExample;
import io.tuneforge.trainer.evaluation.EvalReport;
import io.tuneforge.trainer.evaluation.Evaluator;
import io.tuneforge.trainer.evaluation.GenerationMetrics;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code eval}: held-out loss and perplexity of a model (with an optional adapter); with {@code --predict} also
 * generates every answer, writes {@code predictions.jsonl} and scores BLEU-4/ROUGE. With {@code --predictions FILE}
 * it only scores an existing predictions file (ours or LLaMA-Factory's {@code generated_predictions.jsonl}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate on a held-out set: loss, perplexity, (--predict) BLEU-4 / ROUGE-1/2/L, "
                + "(--classify) accuracy, macro-F1, AUC-ROC.")
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter to attach.")
    Path adapter;

    @Option(names = "--dataset", paramLabel = "FILE|NAME",
            description = "Held-out rows: a file in any format the data package reads (Alpaca, ShareGPT, messages, "
                    + "classification; JSON, JSONL, Parquet, CSV, TXT) or a name in --dataset-dir's dataset_info.json.")
    String dataset;

    @Option(names = "--dataset-dir", paramLabel = "DIR", description = "Folder with dataset_info.json.")
    Path datasetDir;

    @Option(names = "--predict", description = "Also generate answers, write predictions.jsonl and score them.")
    boolean predict;

    @Option(names = "--classify",
            description = "Classification set: score accuracy, macro-F1 and AUC-ROC from the probability the model "
                    + "gives each label (the distinct labels of the set, or --labels).")
    boolean classify;

    @Option(names = "--labels", split = ",", paramLabel = "A,B,...",
            description = "Candidate labels for --classify (default: the distinct labels of the set).")
    List<String> labels;

    @Option(names = "--output", defaultValue = "predictions.jsonl", paramLabel = "FILE",
            description = "Where --predict writes its rows (default ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--predictions", paramLabel = "FILE",
            description = "Only score this predictions file (prompt, label, predict per line); no model needed.")
    Path predictions;

    @Mixin
    EvalOptions options;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            Map<String, Object> report;
            if (predictions != null) {
                GenerationMetrics metrics = PredictionsFile.score(options.limit(PredictionsFile.read(predictions)));
                report = PredictionsFile.asReport(metrics);
            } else {
                if (model == null || dataset == null) {
                    err.println("eval: give --model and --dataset (or --predictions FILE to score existing predictions)");
                    return 2;
                }
                report = evaluate().asMap();
            }
            print(report);
            return 0;
        } catch (EvaluationException | DatasetException | ExportException | ModelConfigException | TemplateException
                 | IllegalArgumentException | JacksonException e) {
            err.println("eval: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("eval: I/O error: " + e.getMessage());
            return 1;
        }
    }

    private EvalReport evaluate() throws IOException {
        List<EvalExample> rows = options.limit(EvalDataset.read(dataset, Optional.ofNullable(datasetDir)));
        try (Evaluator evaluator = Evaluator.open(model, Optional.ofNullable(adapter),
                Optional.ofNullable(options.template), options.precision())) {
            PrintWriter err = spec.commandLine().getErr();
            var loss = evaluator.loss(rows, EvalOptions.progress(err, "loss", rows.size()));
            Optional<GenerationMetrics> generation = Optional.empty();
            if (predict) {
                List<Prediction> predicted = evaluator.predict(rows, options.generation(),
                        EvalOptions.progress(err, "predict", rows.size()));
                PredictionsFile.write(output, predicted);
                generation = Optional.of(PredictionsFile.score(predicted));
            }
            Optional<ClassificationMetrics> classification = Optional.empty();
            if (classify) {
                List<String> classes = labels != null ? labels
                        : rows.stream().map(EvalExample::label).distinct().toList();
                double[][] probabilities = evaluator.labelProbabilities(rows, classes,
                        EvalOptions.progress(err, "classify", rows.size()));
                classification = Optional.of(ClassificationMetrics.fromProbabilities(
                        rows.stream().map(EvalExample::label).toList(), classes, probabilities));
            }
            return new EvalReport(rows.size(), loss, generation, classification);
        }
    }

    private void print(Map<String, Object> report) {
        PrintWriter out = spec.commandLine().getOut();
        if (options.json) {
            out.println(JsonMapper.builder().build().writeValueAsString(report));
        } else {
            report.forEach((k, v) -> out.printf("%-14s %s%n", k, v instanceof Double d ? String.format("%.4f", d) : v));
            if (predict && predictions == null) {
                out.println("predictions    " + output);
            }
        }
        out.flush();
    }
}
