package io.tuneforge.trainer.data.preview;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.model.ModelException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.ResolvedTemplate;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TokenizerException;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.stereotype.Service;

/**
 * Dataset versions seen through the training pipeline, for the Datasets page: the rendered training text for a
 * registered base model with the trained spans marked, token statistics, and the train/validation split. Rows are
 * read as a job reads them (invalid rows dropped). Every method is scoped by the {@link Actor}: the dataset version
 * and the model must be visible to them.
 */
@Service
public class DatasetPreviewService {

    private final DatasetService datasets;
    private final BaseModelService models;

    public DatasetPreviewService(DatasetService datasets, BaseModelService models) {
        this.datasets = datasets;
        this.models = models;
    }

    /** The base models the actor may preview with (their team's and shared ones). */
    public List<BaseModelSummary> models(Actor actor) {
        return models.list(actor);
    }

    /** The template choices: {@code model} (the model's own) and the built-in names. */
    public List<String> templates() {
        return ChatTemplates.names();
    }

    /**
     * The first {@code samples} rows of a version rendered for a base model, and statistics of its first
     * {@code statisticsRows} rows.
     *
     * @param template a built-in template name; empty or {@code model} for the model's own chat template
     * @param cutoff   {@code cutoff_len} in tokens
     */
    public TrainingPreview trainingPreview(Actor actor, long versionId, long modelId, Optional<String> template,
            int cutoff, int samples, int statisticsRows) {
        VersionDetails version = datasets.version(actor, versionId);
        BaseModelSummary model = models.get(actor, modelId);
        Path file = datasets.sourceFile(actor, versionId);
        return explained(version.datasetName() + " v" + version.version() + " with " + model.name(), () -> {
            if (cutoff < 2) {
                throw new DatasetException("the cutoff must be at least 2 tokens, was " + cutoff);
            }
            return TrainingPreviews.preview(spec(version, file), asJob(), Path.of(model.path()), template,
                    EncodingOptions.defaults().withCutoff(cutoff), samples, statisticsRows);
        });
    }

    /**
     * The chat template a job with {@code template} would train with on this model (by {@link ChatTemplates#resolve},
     * as the worker resolves it), why, and the version's first training row rendered with it.
     *
     * @param template a built-in template name; empty or {@code auto} for the automatic choice
     * @throws DatasetPreviewException naming the model and the template error when the template cannot be used
     */
    public TemplatePreview templatePreview(Actor actor, long versionId, long modelId, Optional<String> template,
            int cutoff) {
        VersionDetails version = datasets.version(actor, versionId);
        BaseModelSummary model = models.get(actor, modelId);
        Path file = datasets.sourceFile(actor, versionId);
        return explained(model.name() + ", chat template", () -> {
            Path modelDir = Path.of(model.path());
            ResolvedTemplate resolved = ChatTemplates.resolve(modelDir, template);
            LoadedDataset data = Datasets.load(spec(version, file), asJob());
            try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
                TrainingPreview preview = TrainingPreviews.preview(data, resolved.template(), tokenizer,
                        EncodingOptions.defaults().withCutoff(Math.max(cutoff, 2)), 1, 1);
                return new TemplatePreview(resolved.name(), resolved.reason(), preview.samples().stream().findFirst());
            }
        });
    }

    /**
     * How a job with these {@code val_size} and {@code seed} settings splits the version.
     *
     * @param valSize a fraction below 1 or a whole row count, as LLaMA-Factory reads {@code val_size}
     */
    public SplitPreview split(Actor actor, long versionId, double valSize, long seed) {
        VersionDetails version = datasets.version(actor, versionId);
        Path file = datasets.sourceFile(actor, versionId);
        return explained(version.datasetName() + " v" + version.version(), () -> {
            LoadedDataset data = Datasets.load(spec(version, file), asJob());
            return SplitPreview.of(data.examples(), ValSize.of(valSize), seed);
        });
    }

    private static DatasetSpec spec(VersionDetails version, Path file) {
        return DatasetSpec.of(file, version.format()).withMapping(version.mapping());
    }

    /** Rows as a job reads them: invalid ones are dropped rather than refusing the file. */
    private static ValidationOptions asJob() {
        return ValidationOptions.defaults().withDropInvalidRows(true);
    }

    private static <T> T explained(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (DatasetException | TemplateException | TokenizerException | ModelException e) {
            throw new DatasetPreviewException(what + ": " + e.getMessage(), e);
        }
    }
}
