package io.tuneforge.trainer.data;

import io.tuneforge.trainer.data.validation.ValidationReport;

import java.util.List;

/**
 * A dataset read whole into the common model after validation.
 *
 * @param spec     what was read
 * @param examples the valid rows, in file order (invalid rows dropped only when asked for)
 * @param report   the validation report (warnings such as duplicates and long rows are in it)
 */
public record LoadedDataset(DatasetSpec spec, List<Example> examples, ValidationReport report) {

    public LoadedDataset {
        examples = List.copyOf(examples);
    }
}
