package io.tuneforge.trainer.cli;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.encoding.TokenLengthMeasure;
import io.tuneforge.trainer.data.info.DatasetAvailability;
import io.tuneforge.trainer.data.info.DatasetInfo;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.LengthMeasure;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;

import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.tokenizer.TokenizerException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code dataset validate} and {@code dataset preview}: check data before training on it. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Datasets: validate a file (or a LLaMA-Factory data folder) and preview how it will be trained.",
        subcommands = {DatasetCommand.Validate.class, DatasetPreviewCommand.class})
public final class DatasetCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Exit code for an invalid dataset (usage errors exit 2, as picocli does). */
    static final int INVALID = 1;

    /**
     * Validates one file, one {@code dataset_info.json} entry, or every entry of a data folder. Exits 0 when the data
     * is valid (or accepted with {@code --drop-invalid}), 1 otherwise, 2 on a usage error.
     */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Validate a dataset: every problem with file, line, field and reason; exit 0 when valid.")
    static final class Validate implements Callable<Integer> {

        private static final JsonMapper JSON = JsonMapper.builder().build();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--file", paramLabel = "F", description = "The dataset file (.json, .jsonl, .parquet, .csv, .txt).")
        Path file;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
                description = "auto (default), alpaca, sharegpt, openai, classification, text or preference.")
        String format;

        @Option(names = "--dataset-dir", paramLabel = "DIR",
                description = "A LLaMA-Factory data folder with dataset_info.json; with --name validates that entry, "
                        + "alone validates every entry (and lists those unavailable offline).")
        Path datasetDir;

        @Option(names = "--name", paramLabel = "NAME", description = "An entry of DIR/dataset_info.json.")
        String name;

        @Option(names = "--columns", paramLabel = "JSON",
                description = "Which field holds what, as LLaMA-Factory's dataset_info.json columns "
                        + "(prompt, query, response, history, messages, system, tools, chosen, rejected, kto_tag; "
                        + "text, label), e.g. '{\"prompt\": \"question\", \"response\": \"answer\"}'; "
                        + "ShareGPT tags as '{\"columns\": {...}, \"tags\": {\"role_tag\": \"role\"}}'.")
        String columns;

        @Option(names = "--text-column", paramLabel = "COLUMN",
                description = "Classification: the column holding the text (CSV files with other headers).")
        String textColumn;

        @Option(names = "--label-column", paramLabel = "COLUMN",
                description = "Classification: the column holding the label.")
        String labelColumn;

        @Option(names = "--cutoff", paramLabel = "N",
                description = "Report rows longer than N characters, or N tokens with --model (they would be truncated).")
        Integer cutoff;

        @Option(names = "--model", paramLabel = "DIR",
                description = "With --cutoff: measure rows in tokens with this model's tokenizer and chat template.")
        Path model;

        @Option(names = "--template", paramLabel = "NAME",
                description = "With --model: a LLaMA-Factory template name instead of the model's own (else its family's).")
        String template;

        @Option(names = "--drop-invalid", description = "Accept the file without its invalid rows (each is listed).")
        boolean dropInvalid;

        @Option(names = "--max-problems", paramLabel = "N", defaultValue = "20",
                description = "Problems shown in full (all are counted); default 20.")
        int maxProblems;

        @Option(names = "--json", description = "Print the report as JSON.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                ValidationOptions options = ValidationOptions.defaults().withMaxReportedProblems(maxProblems)
                        .withDropInvalidRows(dropInvalid);
                if (cutoff != null && model == null) {
                    options = options.withCutoff(cutoff, LengthMeasure.characters());
                }
                if (file == null && datasetDir != null && name == null) {
                    return validateFolder(options, out);
                }
                DatasetSpec dataset = dataset();
                ValidationReport report;
                if (cutoff != null && model != null) {
                    try (TextTokenizer tokenizer = TextTokenizer.load(model)) {
                        ConversationEncoder encoder = new ConversationEncoder(
                                ChatTemplates.forModel(model, Optional.ofNullable(template)), tokenizer,
                                EncodingOptions.defaults().withCutoff(Math.max(2, cutoff)));
                        report = DatasetValidator.validate(dataset,
                                options.withCutoff(cutoff, new TokenLengthMeasure(encoder)));
                    }
                } else {
                    report = DatasetValidator.validate(dataset, options);
                }
                if (json) {
                    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson()));
                } else {
                    out.print(report.toText());
                }
                out.flush();
                return report.accepted() ? 0 : INVALID;
            } catch (DatasetException | TemplateException | TokenizerException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
        }

        private DatasetSpec dataset() {
            DatasetSpec dataset;
            if (file != null) {
                if (name != null) {
                    throw new DatasetException("give either --file or --dataset-dir with --name, not both");
                }
                dataset = DatasetSpec.of(file, DatasetFormat.parseOrDetect(format));
            } else if (datasetDir != null && name != null) {
                dataset = DatasetInfo.load(datasetDir).resolve(name);
                Optional<DatasetFormat> chosen = DatasetFormat.parseOrDetect(format);
                if (chosen.isPresent()) {
                    dataset = dataset.withFormat(chosen.get());
                }
            } else {
                throw new DatasetException("give --file F, or --dataset-dir DIR [--name NAME]");
            }
            dataset = dataset.withMapping(ColumnMapping.parse(columns));
            if (textColumn != null || labelColumn != null) {
                dataset = dataset.withClassificationColumns(textColumn == null ? "text" : textColumn,
                        labelColumn == null ? "label" : labelColumn);
            }
            return dataset;
        }

        private int validateFolder(ValidationOptions options, PrintWriter out) {
            DatasetInfo info = DatasetInfo.load(datasetDir);
            boolean allValid = true;
            ObjectNode root = JSON.createObjectNode();
            ArrayNode datasets = root.putArray("datasets");
            List<String> unavailable = new ArrayList<>();
            for (DatasetAvailability a : info.availability()) {
                ObjectNode node = datasets.addObject().put("name", a.entry().name()).put("available", a.available());
                if (!a.available()) {
                    node.put("reason", a.reason().orElse(""));
                    unavailable.add("  " + a.entry().name() + ": " + a.reason().orElse(""));
                    continue;
                }
                ValidationReport report = DatasetValidator.validate(a.spec().get(), options);
                allValid &= report.accepted();
                node.set("report", report.toJson());
                if (!json) {
                    out.print("[" + a.entry().name() + "] " + report.toText());
                }
            }
            if (json) {
                root.put("valid", allValid);
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            } else {
                out.println("unavailable offline (" + unavailable.size() + "):");
                unavailable.forEach(out::println);
                out.println(allValid ? "all available datasets are valid" : "some datasets are INVALID");
            }
            out.flush();
            return allValid ? 0 : INVALID;
        }
    }
}
