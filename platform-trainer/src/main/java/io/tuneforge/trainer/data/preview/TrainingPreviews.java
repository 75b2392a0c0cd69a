package io.tuneforge.trainer.data.preview;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodedDataset;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds {@link TrainingPreview}s with the training pipeline's own reader, chat template, tokenizer and
 * {@link ConversationEncoder}, so what is shown is exactly what trains. Used by the {@code dataset preview} command
 * and by the web UI (through {@link DatasetPreviewService}).
 */
public final class TrainingPreviews {

    /** No cap on the rows the statistics cover. */
    public static final int ALL_ROWS = Integer.MAX_VALUE;

    private TrainingPreviews() {
    }

    /**
     * Reads {@code spec}, and renders and tokenizes it for the model (or tokenizer) folder {@code modelDir}.
     *
     * @param templateName   a built-in template name, or empty (or {@code model}) for the model's own template
     * @param samples        how many of the first rows to return rendered
     * @param statisticsRows measure at most this many of the first rows ({@link #ALL_ROWS}: every row)
     */
    public static TrainingPreview preview(DatasetSpec spec, ValidationOptions validation, Path modelDir,
            Optional<String> templateName, EncodingOptions options, int samples, int statisticsRows) {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            ChatTemplate template = ChatTemplates.forModel(modelDir, templateName);
            LoadedDataset data = Datasets.load(spec, validation);
            return preview(data, template, tokenizer, options, samples, statisticsRows);
        }
    }

    /** As above, for a dataset already read and a template and tokenizer already loaded. */
    public static TrainingPreview preview(LoadedDataset data, ChatTemplate template, TextTokenizer tokenizer,
            EncodingOptions options, int samples, int statisticsRows) {
        if (samples < 0 || statisticsRows < 1) {
            throw new IllegalArgumentException("samples must be >= 0 and statisticsRows >= 1, were " + samples
                    + " and " + statisticsRows);
        }
        ConversationEncoder encoder = new ConversationEncoder(template, tokenizer, options);
        int measured = Math.min(statisticsRows, data.examples().size());
        List<EncodedExample> first = new ArrayList<>();
        EncodedDataset encoded = encoder.encodeAll(data.examples().subList(0, Math.max(measured, 0)),
                (index, example) -> {
                    if (index < samples) {
                        first.add(example);
                    }
                });
        for (int i = first.size(); i < Math.min(samples, data.examples().size()); i++) {
            first.add(encoder.encode(data.examples().get(i)));
        }
        DatasetFormat format = data.report().format().or(() -> data.spec().format()).orElseThrow();
        return new TrainingPreview(data.spec().name(), format, template.name(), options.cutoffLen(),
                data.examples().size(), first, encoded.stats());
    }
}
