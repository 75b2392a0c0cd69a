package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.info.DatasetInfo;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Entry points to read datasets: validate and load in one pass, by file or by {@code dataset_info.json} name. */
public final class Datasets {

    private Datasets() {
    }

    /**
     * Validates and reads a dataset.
     *
     * @throws DatasetValidationException when the report is not accepted (nothing is returned half-read)
     */
    public static LoadedDataset load(DatasetSpec spec, ValidationOptions options) {
        List<Example> examples = new ArrayList<>();
        ValidationReport report = DatasetValidator.validate(spec, options, row -> examples.add(row.example()));
        if (!report.accepted()) {
            throw new DatasetValidationException(report);
        }
        return new LoadedDataset(spec, examples, report);
    }

    /** The rows and validation reports of a comma list of datasets, in order. */
    public record LoadedAll(List<Example> examples, List<ValidationReport> reports) {
    }

    /**
     * Loads every dataset of LLaMA-Factory's {@code dataset:} list (names in {@code datasetDir/dataset_info.json} or
     * files), letting {@code check} refuse one whose rows a stage cannot train on (it gets the reference and rows).
     *
     * @throws DatasetException for an empty list, or as {@code check} throws
     */
    public static LoadedAll loadAll(List<String> datasets, Optional<Path> datasetDir,
            java.util.function.BiConsumer<String, List<Example>> check) {
        if (datasets.isEmpty()) {
            throw new DatasetException("no dataset given: set dataset to a dataset_info.json name or a file");
        }
        List<Example> examples = new ArrayList<>();
        List<ValidationReport> reports = new ArrayList<>();
        for (String reference : datasets) {
            LoadedDataset loaded = load(resolve(reference, datasetDir), ValidationOptions.defaults());
            check.accept(reference, loaded.examples());
            examples.addAll(loaded.examples());
            reports.add(loaded.report());
        }
        return new LoadedAll(examples, reports);
    }

    /**
     * Resolves a dataset reference as LLaMA-Factory's {@code dataset:} key does: a name in
     * {@code datasetDir/dataset_info.json}, else a file path (relative to {@code datasetDir}, then to the working
     * directory) read with format detection.
     */
    public static DatasetSpec resolve(String reference, Optional<Path> datasetDir) {
        String name = reference.trim();
        if (datasetDir.isPresent() && Files.isRegularFile(datasetDir.get().resolve(DatasetInfo.FILE_NAME))) {
            DatasetInfo info = DatasetInfo.load(datasetDir.get());
            if (info.entry(name).isPresent()) {
                return info.resolve(name);
            }
        }
        Optional<Path> file = datasetDir.map(d -> d.resolve(name)).filter(Files::isRegularFile)
                .or(() -> Optional.of(Path.of(name)).filter(Files::isRegularFile));
        return file.map(f -> DatasetSpec.detecting(f)).orElseThrow(() -> new DatasetException(
                "Dataset '" + name + "' is neither an entry of " + datasetDir.map(d -> d.resolve(DatasetInfo.FILE_NAME)
                        .toString()).orElse("a dataset_info.json (no dataset_dir given)") + " nor an existing file"));
    }
}
