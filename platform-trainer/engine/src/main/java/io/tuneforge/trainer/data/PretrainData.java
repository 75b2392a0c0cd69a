package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.encoding.PretrainEncoder;
import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Continued pre-training data (stage pt): raw text datasets (a {@code .txt} file, a JSONL/JSON text column as
 * LLaMA-Factory's {@code c4_demo}) read, prepared (split, max_samples) and encoded into blocks ({@link PretrainEncoder}).
 *
 * @param train      training blocks (or documents without packing)
 * @param validation validation blocks (may be empty)
 * @param prepared   what preparation did (counts of documents)
 */
public record PretrainData(List<TokenizedSample> train, List<TokenizedSample> validation, PreparedDataset prepared) {

    public PretrainData {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
    }

    /** Reads and encodes the datasets; {@link DatasetException} when one is not raw text or no block remains. */
    public static PretrainData build(List<String> datasets, Optional<Path> datasetDir, PreparationOptions preparation,
            PretrainEncoder encoder) {
        List<Example> documents = Datasets.loadAll(datasets, datasetDir, PretrainData::requireText).examples();
        PreparedDataset prepared = DatasetPreparation.prepare(documents, preparation);
        List<TokenizedSample> train = encoder.encodeAll(prepared.train());
        if (train.isEmpty()) {
            throw new DatasetException("no training block after encoding: the text is shorter than cutoff_len");
        }
        return new PretrainData(train, encoder.encodeAll(prepared.validation()), prepared);
    }

    /** Refuses a dataset that is not raw text, naming it. */
    private static void requireText(String dataset, List<Example> examples) {
        for (Example e : examples) {
            if (e.kind() != ExampleKind.TEXT) {
                throw new DatasetException("dataset '" + dataset + "' is not raw text: stage pt trains on a text "
                        + "column (dataset_info.json columns: {prompt: text}) or a .txt file");
            }
        }
    }
}
