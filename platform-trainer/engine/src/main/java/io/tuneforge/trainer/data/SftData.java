package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodedDataset;
import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;
import io.tuneforge.trainer.data.validation.ValidationReport;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Supervised fine-tuning data end to end: read and validate every dataset (LLaMA-Factory's comma list of
 * {@code dataset_info.json} names or files), prepare (normalise, deduplicate, max_samples, split), then encode the
 * training and validation splits with the chat template and tokenizer.
 *
 * @param train      encoded training split
 * @param validation encoded validation split (may be empty)
 * @param prepared   what preparation did (counts)
 * @param reports    the validation report of each dataset, in order
 */
public record SftData(EncodedDataset train, EncodedDataset validation, PreparedDataset prepared,
        List<ValidationReport> reports) {

    /**
     * Builds the data.
     *
     * @param datasets   dataset references: names in {@code datasetDir/dataset_info.json} or file paths
     * @param datasetDir the data folder ({@code dataset_dir}), if any
     * @param preparation preparation options (max_samples, val_size, seed)
     * @param encoder    template + tokenizer + cutoff/train_on_prompt/packing
     * @throws DatasetValidationException when a dataset is invalid; {@link DatasetException} for unusable data
     */
    public static SftData build(List<String> datasets, Optional<Path> datasetDir, PreparationOptions preparation,
            ConversationEncoder encoder) {
        Datasets.LoadedAll loaded = Datasets.loadAll(datasets, datasetDir, SftData::requireConversations);
        List<Example> examples = loaded.examples();
        List<ValidationReport> reports = loaded.reports();
        PreparedDataset prepared = DatasetPreparation.prepare(examples, preparation);
        EncodedDataset train = encoder.encodeAll(prepared.train());
        if (train.samples().isEmpty()) {
            throw new DatasetException("no training sample has a trained token after encoding (cutoff_len "
                    + encoder.options().cutoffLen() + "); raise cutoff_len or check the data");
        }
        EncodedDataset validation = encoder.encodeAll(prepared.validation());
        return new SftData(train, validation, prepared, reports);
    }

    /** Refuses a dataset holding preference pairs, which supervised fine-tuning cannot use, naming it. */
    private static void requireConversations(String dataset, List<Example> examples) {
        for (Example e : examples) {
            if (!ConversationEncoder.supports(e.kind())) {
                throw new DatasetException("dataset '" + dataset + "' holds preference pairs (chosen/rejected), "
                        + "which supervised fine-tuning cannot use");
            }
        }
    }
}
