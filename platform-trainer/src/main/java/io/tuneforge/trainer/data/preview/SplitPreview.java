package io.tuneforge.trainer.data.preview;

import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;
import io.tuneforge.trainer.data.preparation.ValSize;

import java.util.List;

/**
 * How a job's data preparation splits a dataset into training and validation rows (normalise, remove exact
 * duplicates, shuffle with the seed, hold out {@code val_size}).
 *
 * @param inputRows         valid rows read
 * @param emptiedRows       rows dropped because normalisation left a message empty
 * @param duplicatesRemoved exact duplicates removed before the split
 * @param trainRows         rows that train
 * @param validationRows    rows held out for the validation loss
 * @param valSize           the validation size asked for ({@code val_size})
 * @param seed              the shuffle seed ({@code seed}): it chooses which rows are held out, not how many
 */
public record SplitPreview(int inputRows, int emptiedRows, int duplicatesRemoved, int trainRows, int validationRows,
        ValSize valSize, long seed) {

    /** Splits {@code examples} exactly as a job with these {@code val_size} and {@code seed} settings does. */
    public static SplitPreview of(List<Example> examples, ValSize valSize, long seed) {
        PreparedDataset prepared = DatasetPreparation.prepare(examples, options(valSize, seed));
        return new SplitPreview(prepared.inputRows(), prepared.emptiedRows(), prepared.duplicatesRemoved(),
                prepared.train().size(), prepared.validation().size(), valSize, seed);
    }

    /** The preparation options of a job with these split settings (the defaults otherwise). */
    public static PreparationOptions options(ValSize valSize, long seed) {
        return PreparationOptions.defaults().withValSize(valSize).withSeed(seed);
    }
}
