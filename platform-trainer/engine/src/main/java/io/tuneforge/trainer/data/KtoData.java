package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.encoding.KtoEncoder;
import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;
import io.tuneforge.trainer.data.validation.ValidationReport;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * KTO data end to end (stage kto): read and validate every dataset (LLaMA-Factory's feedback rows: a conversation
 * whose last turn is the answer and a boolean {@code kto_tag} column), prepare (normalise, deduplicate, max_samples,
 * split), then encode each row with its mismatched neighbour ({@link KtoEncoder}).
 *
 * @param train      encoded training examples
 * @param validation encoded validation examples (may be empty)
 * @param prepared   what preparation did (counts)
 * @param reports    the validation report of each dataset, in order
 */
public record KtoData(List<KtoExample> train, List<KtoExample> validation, PreparedDataset prepared,
        List<ValidationReport> reports) {

    public KtoData {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /**
     * Builds the data.
     *
     * @throws DatasetException when a dataset holds rows without a kto_tag, or no example remains
     */
    public static KtoData build(List<String> datasets, Optional<Path> datasetDir, PreparationOptions preparation,
            KtoEncoder encoder) {
        Datasets.LoadedAll loaded = Datasets.loadAll(datasets, datasetDir, KtoData::requireKtoTags);
        return encode(loaded.examples(), loaded.reports(), preparation, encoder);
    }

    /** Prepares and encodes examples already loaded (the worker loads and mixes them itself). */
    public static KtoData encode(List<Example> examples, List<ValidationReport> reports,
            PreparationOptions preparation, KtoEncoder encoder) {
        PreparedDataset prepared = DatasetPreparation.prepare(examples, preparation);
        List<KtoExample> train = encoder.encodeAll(prepared.train());
        if (train.isEmpty()) {
            throw new DatasetException("no training example has answer tokens after encoding; raise cutoff_len or "
                    + "check the data");
        }
        return new KtoData(train, encoder.encodeAll(prepared.validation()), prepared, reports);
    }

    /** Refuses a dataset whose rows carry no kto_tag, naming it. */
    public static void requireKtoTags(String dataset, List<Example> examples) {
        for (Example e : examples) {
            if (e.kind() != ExampleKind.CHAT || e.label().isEmpty()) {
                throw new DatasetException("dataset '" + dataset + "' has rows without a kto_tag: stage kto trains "
                        + "on conversations with a boolean kto_tag column (LLaMA-Factory's kto_en_demo: columns "
                        + "{\"messages\": \"messages\", \"kto_tag\": \"label\"})");
            }
        }
    }
}
