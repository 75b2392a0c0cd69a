package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.encoding.PreferenceEncoder;
import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;
import io.tuneforge.trainer.data.validation.ValidationReport;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Preference data end to end (stage dpo): read and validate every dataset (LLaMA-Factory's {@code ranking: true}
 * entries, ShareGPT or Alpaca with {@code chosen}/{@code rejected}), prepare (normalise, deduplicate, max_samples,
 * split), then encode each pair ({@link PreferenceEncoder}).
 *
 * @param train      encoded training pairs
 * @param validation encoded validation pairs (may be empty)
 * @param prepared   what preparation did (counts)
 * @param reports    the validation report of each dataset, in order
 */
public record PreferenceData(List<PreferencePair> train, List<PreferencePair> validation, PreparedDataset prepared,
        List<ValidationReport> reports) {

    public PreferenceData {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /**
     * Builds the data.
     *
     * @throws DatasetException when a dataset holds rows without chosen/rejected answers, or no pair remains
     */
    public static PreferenceData build(List<String> datasets, Optional<Path> datasetDir,
            PreparationOptions preparation, PreferenceEncoder encoder) {
        Datasets.LoadedAll loaded = Datasets.loadAll(datasets, datasetDir, PreferenceData::requirePairs);
        return encode(loaded.examples(), loaded.reports(), preparation, encoder);
    }

    /** Prepares and encodes examples already loaded (the worker loads and mixes them itself). */
    public static PreferenceData encode(List<Example> examples, List<ValidationReport> reports,
            PreparationOptions preparation, PreferenceEncoder encoder) {
        PreparedDataset prepared = DatasetPreparation.prepare(examples, preparation);
        List<PreferencePair> train = encoder.encodeAll(prepared.train());
        if (train.isEmpty()) {
            throw new DatasetException("no training pair has answer tokens after encoding; raise cutoff_len or check "
                    + "the data");
        }
        return new PreferenceData(train, encoder.encodeAll(prepared.validation()), prepared, reports);
    }

    /** Refuses a dataset whose rows are not preference pairs, naming it. */
    public static void requirePairs(String dataset, List<Example> examples) {
        for (Example e : examples) {
            if (e.kind() != ExampleKind.PREFERENCE) {
                throw new DatasetException("dataset '" + dataset + "' has rows without chosen/rejected answers: "
                        + "stage dpo trains on preference pairs (LLaMA-Factory's ranking: true datasets)");
            }
        }
    }
}
