package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobFailure;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.DatasetMix;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.LlamaExportConfig;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.recipe.RecipeMapping;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.ResolvedTemplate;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.CheckpointSaved;
import io.tuneforge.trainer.training.EvaluationResult;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingLog;
import io.tuneforge.trainer.training.TrainingResult;
import io.tuneforge.trainer.training.TrainingStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The production {@link JobRunner}: loads the training file of every dataset of the job through the data pipeline
 * (validation, preparation, chat template, tokenizer, cutoff), combining several by their mixing ratios
 * ({@link DatasetMix}: ratio 1 uses every row once per epoch, 0.5 a seeded half, 2 every row twice), loads the base model with LoRA / full / freeze fine-tuning, and runs
 * the {@link Trainer}. Its checkpoints go to the artifact store as they are saved (the job resumes from them on any
 * worker); at the end {@link JobOutputs} stores the adapter (LoRA), the merged model, the held-out base-versus-tuned
 * predictions and, when asked, a GGUF file. The job's stored configuration is read as a {@link JobRecipe} (the same
 * keys, defaults and checks as the form, the REST API and the CLI) and mapped by {@link RecipeMapping}; {@code seed}
 * also shuffles the train/validation split (as the Datasets page's split preview shows).
 */
public final class TrainerJobRunner implements JobRunner {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PlatformHome home;

    public TrainerJobRunner(PlatformHome home) {
        this.home = home;
    }

    @Override
    public void run(JobExecution execution) throws Exception {
        JobSpec spec = execution.spec();
        JobRecipe recipe = recipe(spec);
        Path workDir = home.root().resolve("work").resolve("job-" + spec.jobId()).resolve("attempt-" + spec.attempt());
        Files.createDirectories(workDir);
        TrainingConfig config = RecipeMapping.trainingConfig(recipe, workDir);
        OutputSettings outputs = OutputSettings.of(recipe);
        requireGgufExportable(spec, outputs);

        Samples samples = encode(spec, recipe, execution);
        TrainingResult result;
        try (LlamaModel model = LlamaModel.load(spec.baseModelPath(),
                ModelOptions.training(RecipeMapping.fineTuning(recipe), config.seed()))) {
            Trainer trainer = new Trainer(config, model, samples.train(), samples.validation());
            execution.progress(execution.resumeFrom().map(ResumePoint::step).orElse(0),
                    (int) trainer.totalSteps(), 0);
            result = trainer.train(new Reporter(execution),
                    () -> execution.stopRequested().isPresent(),
                    execution.resumeFrom().map(ResumePoint::directory));
        }
        if (result.status() == TrainingStatus.CANCELLED || execution.stopRequested().isPresent()) {
            return; // the worker reports cancelled / paused / released from the stop reason
        }
        // the training model is closed: merging and predicting load their own models
        new JobOutputs(execution, outputs, recipe.data().template(), workDir)
                .store(config.outputDir(), samples.heldOut(), (int) result.steps());
    }

    /** GGUF export writes the llama architecture only: refuse other models before training, not after. */
    private static void requireGgufExportable(JobSpec spec, OutputSettings outputs) {
        if (outputs.exportGguf().isEmpty()) {
            return;
        }
        try {
            LlamaExportConfig.read(spec.baseModelPath());
        } catch (ExportException e) {
            throw new JobFailureException(JobFailure.invalidConfiguration("export_gguf cannot be used with this "
                    + "base model: " + e.getMessage() + "; set export_gguf to none"), e);
        }
    }

    /**
     * The job's stored configuration as a checked recipe, its fine-tuning type being the job's method; a value that
     * cannot be used fails the job at once.
     */
    private static JobRecipe recipe(JobSpec spec) {
        Map<String, Object> stored = JSON.readValue(spec.configJson(), new TypeReference<Map<String, Object>>() { });
        try {
            return JobRecipe.readForMethod(stored, RecipeSource.STORED, spec.method().recipeType());
        } catch (RecipeException e) {
            throw new JobFailureException(JobFailure.invalidConfiguration(e.getMessage()), e);
        }
    }

    /**
     * The encoded rows to train and evaluate on, and the held-out rows themselves (the validation split, never
     * trained on) for the base-versus-tuned comparison.
     */
    private record Samples(List<TokenizedSample> train, List<TokenizedSample> validation, List<Example> heldOut) {
    }

    /**
     * Loads every dataset of the job through the data pipeline, combines them with {@link DatasetMix} (each dataset's
     * training rows used {@code ratio} times per epoch: 1 every row once, 0.5 a half sampled with {@code seed}, 2
     * every row twice; validation rows unweighted) and encodes the result.
     */
    private static Samples encode(JobSpec spec, JobRecipe recipe, JobExecution execution) {
        List<DatasetMix.Part> parts = spec.datasets().stream().map(TrainerJobRunner::load).toList();
        PreparationOptions preparation = RecipeMapping.preparation(recipe);
        DatasetMix.Mixed mixed = DatasetMix.prepare(parts, preparation);
        EncodingOptions options = RecipeMapping.encoding(recipe);
        int cutoff = options.cutoffLen();
        try (TextTokenizer tokenizer = TextTokenizer.load(spec.baseModelPath())) {
            ResolvedTemplate resolved = ChatTemplates.resolve(spec.baseModelPath(), recipe.data().template());
            ChatTemplate template = resolved.template();
            execution.event(JobEventType.MESSAGE, "Chat template " + resolved.name() + ": " + resolved.reason(),
                    Map.of("template", resolved.name()));
            ConversationEncoder encoder = new ConversationEncoder(template, tokenizer, options);
            List<TokenizedSample> train = encoder.encodeAll(mixed.train()).samples();
            List<TokenizedSample> validation = encoder.encodeAll(mixed.validation()).samples();
            execution.event(JobEventType.MESSAGE, "Encoded " + train.size() + " training and " + validation.size()
                    + " validation samples (cutoff " + cutoff + "); rows per dataset: " + describe(parts, mixed),
                    Map.of("train_samples", train.size(), "validation_samples", validation.size(),
                            "datasets", rowsData(parts, mixed)));
            return new Samples(train, validation, mixed.validation());
        }
    }

    /** One dataset's validated rows, or a job failure naming the dataset when it cannot be used. */
    static DatasetMix.Part load(JobDataset dataset) {
        String what = "dataset " + dataset.name() + " (version " + dataset.versionId() + ")";
        if (dataset.trainFiles().isEmpty()) {
            throw new JobFailureException(JobFailure.invalidTrainingFile(what + " has no stored file"), null);
        }
        if (!(dataset.ratio() > 0) || Double.isInfinite(dataset.ratio())) {
            throw new JobFailureException(JobFailure.invalidConfiguration("dataset_mix: the ratio of " + what
                    + " is " + dataset.ratio() + "; it must be a number above 0"), null);
        }
        DatasetFormat format = DatasetFormat.parse(dataset.format());
        LoadedDataset loaded = Datasets.load(DatasetSpec.of(dataset.trainFiles().getFirst(), format)
                        .withMapping(dataset.mapping()),
                ValidationOptions.defaults().withDropInvalidRows(true));
        return new DatasetMix.Part(dataset.name(), loaded.examples(), dataset.ratio());
    }

    /** "identity 8 train + 2 validation, alpaca (ratio 0.5) 4 train + 1 validation". */
    private static String describe(List<DatasetMix.Part> parts, DatasetMix.Mixed mixed) {
        List<String> text = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            DatasetMix.PartRows rows = mixed.rows().get(i);
            double ratio = parts.get(i).ratio();
            text.add(rows.name() + (ratio == 1 ? "" : " (ratio " + ratio + ")") + " " + rows.train() + " train + "
                    + rows.validation() + " validation");
        }
        return String.join(", ", text);
    }

    private static List<Map<String, Object>> rowsData(List<DatasetMix.Part> parts, DatasetMix.Mixed mixed) {
        List<Map<String, Object>> data = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            DatasetMix.PartRows rows = mixed.rows().get(i);
            data.add(Map.of("dataset", rows.name(), "ratio", parts.get(i).ratio(), "train_rows", rows.train(),
                    "validation_rows", rows.validation()));
        }
        return data;
    }

    /** Forwards the trainer's events to the job: metrics, progress, evaluations and checkpoints. */
    private static final class Reporter implements TrainingListener {

        private final JobExecution execution;

        Reporter(JobExecution execution) {
            this.execution = execution;
        }

        @Override
        public void onLog(TrainingLog log) {
            int step = (int) log.step();
            // the names the job page charts (MetricNames)
            execution.metric(step, MetricNames.LOSS, log.loss());
            execution.metric(step, MetricNames.LEARNING_RATE, log.learningRate());
            execution.metric(step, MetricNames.GRAD_NORM, log.gradNorm());
            execution.metric(step, MetricNames.THROUGHPUT, log.tokensPerSecond());
            execution.progress(step, (int) log.totalSteps(), log.tokensSeen());
        }

        @Override
        public void onEvaluation(EvaluationResult result) {
            execution.evaluation((int) result.step(), Map.of("eval_loss", result.loss(),
                    "eval_perplexity", result.perplexity()));
        }

        @Override
        public void onCheckpointSaved(CheckpointSaved event) {
            execution.checkpoint((int) event.step(), dir -> FileTrees.copy(event.directory(), dir),
                    Map.of("best", event.best()));
        }
    }
}
