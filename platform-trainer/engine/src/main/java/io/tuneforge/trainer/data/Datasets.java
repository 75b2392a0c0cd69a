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
