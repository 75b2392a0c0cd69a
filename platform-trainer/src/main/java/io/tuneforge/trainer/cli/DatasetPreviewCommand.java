package io.tuneforge.trainer.cli;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.DatasetValidationException;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.encoding.EncodingStats;
import io.tuneforge.trainer.data.encoding.LengthBucket;
import io.tuneforge.trainer.data.encoding.Segment;
import io.tuneforge.trainer.data.info.DatasetInfo;
import io.tuneforge.trainer.data.preview.TrainingPreview;
import io.tuneforge.trainer.data.preview.TrainingPreviews;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TokenizerException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dataset preview}: the first samples exactly as the model will be trained on them (chat template applied),
 * trained text between {@code [[} and {@code ]]}, then statistics: rows, token-length histogram, rows truncated at the
 * cutoff.
 */
@Command(name = "preview", mixinStandardHelpOptions = true,
        description = "Show the first samples as trained (trained text between [[ and ]]) and token statistics.")
final class DatasetPreviewCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--file", paramLabel = "F", description = "The dataset file.")
    Path file;

    @Option(names = "--dataset-dir", paramLabel = "DIR", description = "A LLaMA-Factory data folder (with --name).")
    Path datasetDir;

    @Option(names = "--name", paramLabel = "NAME", description = "An entry of DIR/dataset_info.json.")
    String name;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "auto (default), alpaca, sharegpt, openai, classification or text.")
    String format;

    @Option(names = "--columns", paramLabel = "JSON",
            description = "Which field holds what, as LLaMA-Factory's dataset_info.json columns "
                    + "(prompt, query, response, history, messages, system, tools, chosen, rejected, kto_tag; "
                    + "text, label), e.g. '{\"prompt\": \"question\", \"response\": \"answer\"}'; "
                    + "ShareGPT tags as '{\"columns\": {...}, \"tags\": {\"role_tag\": \"role\"}}'.")
    String columns;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model (or tokenizer) folder: tokenizer.json and tokenizer_config.json.")
    Path model;

    @Option(names = "--template", paramLabel = "NAME",
            description = "A LLaMA-Factory template name (default, alpaca, llama3, qwen3, qwen3_nothink, "
                    + "gemma3, ...); default: the model's own chat template, else its family's.")
    String template;

    @Option(names = "--cutoff", paramLabel = "N", defaultValue = "2048", description = "cutoff_len (default 2048).")
    int cutoff;

    @Option(names = "--samples", paramLabel = "K", defaultValue = "3", description = "Samples to show (default 3).")
    int samples;

    @Option(names = "--train-on-prompt", description = "Train on prompt tokens too.")
    boolean trainOnPrompt;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            DatasetSpec dataset = dataset();
            TrainingPreview preview = TrainingPreviews.preview(dataset, ValidationOptions.defaults(), model,
                    Optional.ofNullable(template), new EncodingOptions(cutoff, trainOnPrompt, false, Map.of()),
                    samples, TrainingPreviews.ALL_ROWS);
            out.printf(Locale.ROOT, "%s: %d rows, format %s, template %s; trained text is between [[ and ]]%n%n",
                    dataset.file(), preview.totalRows(), preview.format().cliName(), preview.template());
            for (int i = 0; i < preview.samples().size(); i++) {
                printSample(out, i, preview.samples().get(i));
            }
            printStatistics(out, preview.stats(), cutoff);
            out.flush();
            return 0;
        } catch (DatasetValidationException e) {
            out.print(e.report().toText());
            out.flush();
            return DatasetCommand.INVALID;
        } catch (DatasetException | TemplateException | TokenizerException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return DatasetCommand.INVALID;
        }
    }

    private DatasetSpec dataset() {
        if (file != null) {
            return DatasetSpec.of(file, DatasetFormat.parseOrDetect(format)).withMapping(ColumnMapping.parse(columns));
        }
        if (datasetDir != null && name != null) {
            return DatasetInfo.load(datasetDir).resolve(name).withMapping(ColumnMapping.parse(columns));
        }
        throw new DatasetException("give --file F, or --dataset-dir DIR --name NAME");
    }

    private static void printSample(PrintWriter out, int index, EncodedExample encoded) {
        out.printf(Locale.ROOT, "--- sample %d: %d tokens, %d trained%s%n", index, encoded.fullLength(),
                encoded.sample().targetTokens(), encoded.truncated() ? " (truncated at the cutoff)" : "");
        StringBuilder text = new StringBuilder();
        for (Segment segment : encoded.segments()) {
            text.append(segment.trained() ? "[[" + segment.text() + "]]" : segment.text());
        }
        out.println(text);
        out.println();
    }

    static void printStatistics(PrintWriter out, EncodingStats stats, int cutoff) {
        out.printf(Locale.ROOT, "rows: %d, tokens: %,d, mean %.1f, max %d%n", stats.rows(), stats.totalTokens(),
                stats.meanLength(), stats.maxLength());
        out.printf(Locale.ROOT, "truncated at cutoff %d: %d rows; rows with no trained token: %d; "
                + "assistant turns not located: %d%n", cutoff, stats.truncated(), stats.withoutTargets(),
                stats.untrainedTurns());
        out.println("token-length histogram:");
        long max = stats.buckets().stream().mapToLong(LengthBucket::count).max().orElse(1);
        for (LengthBucket bucket : stats.buckets()) {
            if (bucket.count() == 0) {
                continue;
            }
            out.printf(Locale.ROOT, "  %6d-%-6d %7d %s%n", bucket.low(), bucket.high(), bucket.count(),
                    "#".repeat((int) Math.max(1, 40 * bucket.count() / max)));
        }
    }
}
