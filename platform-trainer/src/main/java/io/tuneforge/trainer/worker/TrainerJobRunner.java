package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobFailure;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.data.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.DatasetMix;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.data.preview.SplitPreview;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.LlamaExportConfig;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.CheckpointSaved;
import io.tuneforge.trainer.training.EvaluationResult;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainingArguments;
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
import java.util.Locale;
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
 * predictions and, when asked, a GGUF file. Hyperparameters use LLaMA-Factory's names: {@link TrainingArguments#KEYS}
 * plus {@code cutoff_len}, {@code lora_rank}, {@code lora_alpha}, {@code lora_dropout}, {@code lora_target},
 * {@code use_rslora}, {@code freeze_trainable_layers}, {@code template}, {@code train_on_prompt}, {@code packing},
 * {@code max_samples}, {@code val_size} (default 0.2); {@code seed} also shuffles the train/validation split (as the
 * Datasets page's split preview shows); and for the outputs (see {@link OutputSettings}) {@code merge_dtype},
 * {@code predict_samples}, {@code predict_max_new_tokens}, {@code export_gguf}.
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
        Map<String, Object> hp = JSON.readValue(spec.configJson(), new TypeReference<Map<String, Object>>() { });
        Path workDir = home.root().resolve("work").resolve("job-" + spec.jobId()).resolve("attempt-" + spec.attempt());
        Files.createDirectories(workDir);
        TrainingConfig config = TrainingArguments.parse(hp, workDir);
        OutputSettings outputs = OutputSettings.parse(hp);
        requireGgufExportable(spec, outputs);

        Samples samples = encode(spec, hp, execution);
        TrainingResult result;
        try (LlamaModel model = LlamaModel.load(spec.baseModelPath(),
                ModelOptions.training(fineTuning(spec.method(), hp), config.seed()))) {
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
        new JobOutputs(execution, outputs, template(hp), workDir)
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

    private static Optional<String> template(Map<String, Object> hp) {
        return Optional.ofNullable(hp.get("template")).map(Object::toString);
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
    private static Samples encode(JobSpec spec, Map<String, Object> hp, JobExecution execution) {
        List<DatasetMix.Part> parts = spec.datasets().stream().map(TrainerJobRunner::load).toList();
        PreparationOptions preparation = SplitPreview.options(
                ValSize.of(doubleValue(hp, "val_size", ValSize.DEFAULT.fraction())),
                intValue(hp, "seed", (int) PreparationOptions.defaults().seed()));
        if (hp.containsKey("max_samples")) {
            preparation = preparation.withMaxSamples(intValue(hp, "max_samples", Integer.MAX_VALUE));
        }
        DatasetMix.Mixed mixed = DatasetMix.prepare(parts, preparation);
        int cutoff = intValue(hp, "cutoff_len", 1024);
        EncodingOptions options = EncodingOptions.defaults().withCutoff(cutoff)
                .withTrainOnPrompt(Boolean.parseBoolean(String.valueOf(hp.getOrDefault("train_on_prompt", "false"))))
                .withPacking(Boolean.parseBoolean(String.valueOf(hp.getOrDefault("packing", "false"))));
        try (TextTokenizer tokenizer = TextTokenizer.load(spec.baseModelPath())) {
            ChatTemplate template = ChatTemplates.forModel(spec.baseModelPath(), template(hp));
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
    private static DatasetMix.Part load(JobDataset dataset) {
        String what = "dataset " + dataset.name() + " (version " + dataset.versionId() + ")";
        if (dataset.trainFiles().isEmpty()) {
            throw new JobFailureException(JobFailure.invalidTrainingFile(what + " has no stored file"), null);
        }
        if (!(dataset.ratio() > 0) || Double.isInfinite(dataset.ratio())) {
            throw new JobFailureException(JobFailure.invalidConfiguration("dataset_mix: the ratio of " + what
                    + " is " + dataset.ratio() + "; it must be a number above 0"), null);
        }
        DatasetFormat format = DatasetFormat.valueOf(dataset.format().toUpperCase(Locale.ROOT));
        LoadedDataset loaded = Datasets.load(DatasetSpec.of(dataset.trainFiles().getFirst(), format),
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

    private static FineTuning fineTuning(FineTuningMethod method, Map<String, Object> hp) {
        return switch (method) {
            case LORA -> new FineTuning.Lora(new LoraConfig(intValue(hp, "lora_rank", 8),
                    doubleValue(hp, "lora_alpha", 2.0 * intValue(hp, "lora_rank", 8)),
                    doubleValue(hp, "lora_dropout", 0.0),
                    LoraConfig.parseTargets(String.valueOf(hp.getOrDefault("lora_target", "all"))),
                    Boolean.parseBoolean(String.valueOf(hp.getOrDefault("use_rslora", "false")))));
            case FULL -> new FineTuning.Full();
            case FREEZE -> new FineTuning.Freeze(intValue(hp, "freeze_trainable_layers", 2));
        };
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

    private static int intValue(Map<String, Object> hp, String key, int fallback) {
        Object v = hp.get(key);
        return v == null ? fallback : (int) Double.parseDouble(v.toString());
    }

    private static double doubleValue(Map<String, Object> hp, String key, double fallback) {
        Object v = hp.get(key);
        return v == null ? fallback : Double.parseDouble(v.toString());
    }
}
