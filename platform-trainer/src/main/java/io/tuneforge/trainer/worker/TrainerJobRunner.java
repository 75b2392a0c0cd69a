package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobFailure;
import io.tuneforge.core.job.JobPhase;
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
import io.tuneforge.trainer.data.KtoData;
import io.tuneforge.trainer.data.KtoExample;
import io.tuneforge.trainer.data.PreferenceData;
import io.tuneforge.trainer.data.TrainingPair;
import io.tuneforge.trainer.data.encoding.KtoEncoder;
import io.tuneforge.trainer.data.encoding.PromptEncoder;
import io.tuneforge.trainer.ppo.PpoSetup;
import io.tuneforge.trainer.training.ppo.PpoTrainer;
import io.tuneforge.trainer.training.kto.KtoSetup;
import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.PreferenceEncoder;
import io.tuneforge.trainer.data.encoding.PretrainEncoder;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.DatasetMix;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.LlamaExportConfig;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.lora.PeftAdapter;
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
import io.tuneforge.trainer.training.preference.PreferenceSetup;
import io.tuneforge.trainer.training.classification.ClassLabels;
import io.tuneforge.trainer.training.classification.ClassificationEncoder;
import io.tuneforge.trainer.training.classification.SequenceClassifier;
import io.tuneforge.trainer.training.reward.RewardModel;
import io.tuneforge.trainer.training.reward.RewardObjective;
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

    private final WorkFolders workFolders;

    /** A runner whose runs' work folders are removed as soon as they end. */
    public TrainerJobRunner(PlatformHome home) {
        this(WorkFolders.removedAtOnce(workRoot(home)));
    }

    /** A runner that keeps its runs' work folders as {@code workFolders} says. */
    public TrainerJobRunner(WorkFolders workFolders) {
        this.workFolders = workFolders;
    }

    /** The folder of the runs' scratch folders: {@code <home>/work}. */
    public static Path workRoot(PlatformHome home) {
        return home.root().resolve("work");
    }

    @Override
    public void run(JobExecution execution) throws Exception {
        JobSpec spec = execution.spec();
        Path workDir = workFolders.prepare(spec.jobId(), spec.attempt());
        try {
            run(execution, spec, workDir);
        } catch (Exception e) {
            throw diskFullOr(e, workDir);
        } catch (Error e) {
            throw diskFullOr(e, workDir);
        } finally {
            workFolders.runEnded(spec.jobId(), spec.attempt());
        }
    }

    /**
     * A write that found the disk full becomes {@code disk_full} with what one more checkpoint needs and what the work
     * folder's disk has free (no path: the worker's log has it); anything else is thrown as it was.
     */
    private static Exception diskFullOr(Exception error, Path workDir) {
        if (error instanceof JobFailureException || !DiskSpace.isFull(error)) {
            return error;
        }
        return diskFull(error, workDir);
    }

    private static Error diskFullOr(Error error, Path workDir) {
        if (!DiskSpace.isFull(error)) {
            return error;
        }
        throw diskFull(error, workDir);
    }

    private static JobFailureException diskFull(Throwable error, Path workDir) {
        return new JobFailureException(JobFailure.diskFull("the job's files on the worker",
                DiskSpace.checkpointSize(workDir), DiskSpace.usable(workDir)), error);
    }

    private void run(JobExecution execution, JobSpec spec, Path workDir) throws Exception {
        JobRecipe recipe = recipe(spec);
        TrainingConfig config = RecipeMapping.trainingConfig(recipe, workDir);
        OutputSettings outputs = OutputSettings.of(recipe);
        requireGgufExportable(spec, outputs);

        Samples samples = encode(spec, recipe, execution);
        TrainingResult result = RecipeMapping.isPpoStage(recipe)
                ? trainPpo(execution, recipe, config, samples.prompts())
                : train(execution, recipe, config, samples);
        if (result.status() == TrainingStatus.CANCELLED || execution.stopRequested().isPresent()) {
            return; // the worker reports cancelled / paused / released from the stop reason
        }
        if (execution.resumeFrom().isEmpty() && result.elapsed().toMillis() > 0) { // a whole run: a clean measurement
            execution.speed(JobPhase.TRAINING, result.tokensSeen() / (result.elapsed().toMillis() / 1000.0),
                    "tokens");
        }
        // the training model is closed: merging and predicting load their own models
        new JobOutputs(execution, outputs, recipe.data().template(), workDir)
                .store(config.outputDir(), samples.heldOut(), (int) result.steps());
    }

    /** Every stage but ppo: the model with the stage's objective, trained by the {@link Trainer}. */
    private static TrainingResult train(JobExecution execution, JobRecipe recipe, TrainingConfig config,
            Samples samples) throws IOException {
        boolean t5 = ModelConfig.load(execution.spec().baseModelPath()).architecture().isEncoderDecoder();
        try (T5Model t5Model = t5 ? loadT5(execution, recipe, samples) : null;
             LlamaModel model = t5 ? null : loadModel(execution, recipe);
             PreferenceSetup preference = RecipeMapping.isPreferenceStage(recipe)
                     ? PreferenceSetup.of(RecipeMapping.preference(recipe), model) : null;
             KtoSetup kto = RecipeMapping.isKtoStage(recipe) ? KtoSetup.of(RecipeMapping.kto(recipe), model) : null) {
            Trainer trainer;
            if (t5Model != null) {
                trainer = new Trainer(config, t5Model, samples.train(), samples.validation());
            } else if (kto != null) {
                trainer = Trainer.preference(config, model, samples.trainPairs(), samples.validationPairs(),
                        kto.objective());
            } else if (preference != null) {
                trainer = Trainer.preference(config, model, samples.trainPairs(), samples.validationPairs(),
                        preference.training());
            } else if (samples.labels().isPresent()) {
                SequenceClassifier classifier = SequenceClassifier.withNewHead(model, samples.labels().get(),
                        config.seed());
                trainer = new Trainer(config, classifier, samples.train(), samples.validation());
            } else if (RecipeMapping.isRewardStage(recipe)) {
                RewardModel reward = RewardModel.withNewHead(model, config.seed());
                trainer = Trainer.preference(config, reward, samples.trainPairs(), samples.validationPairs(),
                        new RewardObjective(reward));
            } else {
                trainer = new Trainer(config, model, samples.train(), samples.validation());
            }
            int startStep = execution.resumeFrom().map(ResumePoint::step).orElse(0);
            execution.progress(startStep, (int) trainer.totalSteps(), 0);
            execution.phase(JobPhase.TRAINING, startStep, trainer.totalSteps());
            return trainer.train(new Reporter(execution),
                    () -> execution.stopRequested().isPresent(),
                    execution.resumeFrom().map(ResumePoint::directory));
        }
    }

    /**
     * Stage ppo (DD037): the LoRA policy answers the prompts and learns from the reward model of the finished stage rm
     * job the submission resolved ({@link JobExecution#rewardModel()}); metrics, progress and checkpoints are
     * reported as for the other stages.
     */
    private static TrainingResult trainPpo(JobExecution execution, JobRecipe recipe, TrainingConfig config,
            List<int[]> prompts) throws IOException {
        JobExecution.RewardModelFiles reward = execution.rewardModel().orElseThrow(() -> new JobFailureException(
                JobFailure.invalidConfiguration("stage ppo needs reward_model, a finished reward-model job: the "
                        + "job's reward model " + recipe.preference().ppo().rewardModel().orElse("(none)")
                        + " has no stored result (was it deleted?)"), null));
        execution.event(JobEventType.MESSAGE, "Scoring answers with the reward model of job " + reward.jobId() + " ("
                + reward.name() + ")", Map.of("reward_model_job", reward.jobId()));
        try (TextTokenizer tokenizer = TextTokenizer.load(execution.spec().baseModelPath());
             LlamaModel model = loadModel(execution, recipe)) {
            TrainingConfig withPad = config.toBuilder().padTokenId(tokenizer.specialTokens().padId().orElse(0))
                    .build();
            try (PpoSetup ppo = PpoSetup.of(recipe, withPad, model, tokenizer, new PpoSetup.RewardFolder(
                    reward.folder(), reward.baseModel(), reward.adapter()), prompts,
                    RecipeMapping.encoding(recipe).cutoffLen())) {
                PpoTrainer trainer = ppo.trainer();
                int startStep = execution.resumeFrom().map(ResumePoint::step).orElse(0);
                execution.progress(startStep, (int) trainer.totalSteps(), 0);
                execution.phase(JobPhase.TRAINING, startStep, trainer.totalSteps());
                return trainer.train(new Reporter(execution), () -> execution.stopRequested().isPresent(),
                        execution.resumeFrom().map(ResumePoint::directory));
            }
        }
    }

    /**
     * A T5 / Flan-T5 job's model (DD036): source → target training (stage sft, generation labels) with LoRA or full,
     * or continuing another job's adapter; other stages and classification heads are refused.
     */
    private static T5Model loadT5(JobExecution execution, JobRecipe recipe, Samples samples) throws IOException {
        if (RecipeMapping.isPreferenceStage(recipe) || RecipeMapping.isKtoStage(recipe)
                || RecipeMapping.isRewardStage(recipe) || samples.labels().isPresent()) {
            throw new JobFailureException(JobFailure.invalidConfiguration("the base model is a T5ForConditional"
                    + "Generation (encoder-decoder), which TuneForge trains with stage sft and generation labels "
                    + "only; stage " + recipe.method().stage() + (samples.labels().isPresent()
                    ? " with a classification head" : "") + " is not supported for it"), null);
        }
        Optional<Path> adapter = execution.adapterToContinue();
        FineTuning fineTuning = adapter.isPresent() ? FineTuning.none() : RecipeMapping.fineTuning(recipe);
        T5Model model = T5Model.load(execution.spec().baseModelPath(), RecipeMapping.modelOptions(recipe, fineTuning));
        try {
            if (adapter.isPresent()) {
                PeftAdapter.load(model, adapter.get(), true);
            }
            model.requireSourceEnds(samples.train().stream().map(s -> new int[][] {s.inputIds(), s.labels()})
                    .toList(), TokenizedSample.IGNORE_INDEX, recipe.data().template().orElse("auto"));
            return model;
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The base model with new LoRA / full / freeze fine-tuning, or, for a job continuing another job's adapter
     * (DD030), the base model with that adapter loaded trainable (as {@code train} does with
     * {@code adapter_name_or_path}).
     */
    private static LlamaModel loadModel(JobExecution execution, JobRecipe recipe) throws IOException {
        Path base = execution.spec().baseModelPath();
        Optional<Path> adapter = execution.adapterToContinue();
        if (adapter.isEmpty()) {
            return LlamaModel.load(base, RecipeMapping.modelOptions(recipe, RecipeMapping.fineTuning(recipe)));
        }
        LlamaModel model = LlamaModel.load(base, RecipeMapping.modelOptions(recipe, FineTuning.none()));
        try {
            PeftAdapter.load(model, adapter.get(), true);
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e;
        }
        execution.event(JobEventType.MESSAGE, "Continuing the LoRA adapter " + adapter.get().getFileName()
                + " of an earlier job", Map.of());
        return model;
    }

    /**
     * GGUF export writes llama, qwen2moe and qwen3moe ({@code LlamaExportConfig}): refuse other models (and variants
     * llama.cpp cannot compute) before training, not after.
     */
    private static void requireGgufExportable(JobSpec spec, OutputSettings outputs) {
        if (outputs.exportGguf().isEmpty()) {
            return;
        }
        if (outputs.classificationHead()) {
            throw new JobFailureException(JobFailure.invalidConfiguration("export_gguf cannot be used with "
                    + "task_type seq_cls: llama.cpp runs causal language models, not classification heads; set "
                    + "export_gguf to none"), null);
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
    private record Samples(List<TokenizedSample> train, List<TokenizedSample> validation,
            List<? extends TrainingPair> trainPairs, List<? extends TrainingPair> validationPairs,
            List<Example> heldOut, Optional<ClassLabels> labels, List<int[]> prompts) {

        Samples(List<TokenizedSample> train, List<TokenizedSample> validation,
                List<? extends TrainingPair> trainPairs, List<? extends TrainingPair> validationPairs,
                List<Example> heldOut) {
            this(train, validation, trainPairs, validationPairs, heldOut, Optional.empty(), List.of());
        }

        /** Stage ppo: the prompts (templated token ids) it answers, and the held-out rows. */
        static Samples prompts(List<int[]> prompts, List<Example> heldOut) {
            return new Samples(List.of(), List.of(), List.of(), List.of(), heldOut, Optional.empty(), prompts);
        }
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
            if (RecipeMapping.isPretrainStage(recipe)) {
                PretrainEncoder encoder = new PretrainEncoder(tokenizer, cutoff, RecipeMapping.pretrainPacking(recipe));
                List<TokenizedSample> train = encoder.encodeAll(mixed.train());
                List<TokenizedSample> validation = encoder.encodeAll(mixed.validation());
                if (train.isEmpty()) {
                    throw new JobFailureException(JobFailure.invalidTrainingFile("the text is shorter than one block "
                            + "of cutoff_len " + cutoff), null);
                }
                execution.event(JobEventType.MESSAGE, "Encoded " + train.size() + " training and "
                        + validation.size() + " validation blocks of raw text (cutoff " + cutoff + "); rows per "
                        + "dataset: " + describe(parts, mixed), Map.of("train_samples", train.size(),
                        "validation_samples", validation.size(), "datasets", rowsData(parts, mixed)));
                // raw text has no prompt to answer: no base-versus-tuned predictions
                return new Samples(train, validation, List.of(), List.of(), List.of());
            }
            if (RecipeMapping.isKtoStage(recipe)) {
                KtoEncoder encoder = new KtoEncoder(template, tokenizer, options);
                parts.forEach(TrainerJobRunner::requireKtoTags);
                List<KtoExample> train = encoder.encodeAll(mixed.train());
                List<KtoExample> validation = encoder.encodeAll(mixed.validation());
                if (train.isEmpty()) {
                    throw new JobFailureException(JobFailure.invalidTrainingFile("no training example has answer "
                            + "tokens after encoding (cutoff " + cutoff + ")"), null);
                }
                long desirable = train.stream().filter(KtoExample::desirable).count();
                execution.event(JobEventType.MESSAGE, "Encoded " + train.size() + " training (" + desirable
                        + " desirable, " + (train.size() - desirable) + " undesirable) and " + validation.size()
                        + " validation KTO examples (cutoff " + cutoff + "); rows per dataset: "
                        + describe(parts, mixed), Map.of("train_samples", train.size(),
                        "validation_samples", validation.size(), "datasets", rowsData(parts, mixed)));
                return new Samples(List.of(), List.of(), train, validation, mixed.validation());
            }
            if (RecipeMapping.isPreferenceStage(recipe) || RecipeMapping.isRewardStage(recipe)) {
                PreferenceEncoder encoder = new PreferenceEncoder(template, tokenizer, options);
                parts.forEach(part -> requirePairs(part));
                List<PreferencePair> train = encoder.encodeAll(mixed.train());
                List<PreferencePair> validation = encoder.encodeAll(mixed.validation());
                if (train.isEmpty()) {
                    throw new JobFailureException(JobFailure.invalidTrainingFile("no training pair has answer "
                            + "tokens after encoding (cutoff " + cutoff + ")"), null);
                }
                execution.event(JobEventType.MESSAGE, "Encoded " + train.size() + " training and "
                        + validation.size() + " validation preference pairs (cutoff " + cutoff + "); rows per "
                        + "dataset: " + describe(parts, mixed), Map.of("train_samples", train.size(),
                        "validation_samples", validation.size(), "datasets", rowsData(parts, mixed)));
                return new Samples(List.of(), List.of(), train, validation, mixed.validation());
            }
            if (recipe.data().classificationHead()) {
                return classificationSamples(mixed, tokenizer, cutoff, parts, execution);
            }
            if (RecipeMapping.isPpoStage(recipe)) {
                List<int[]> prompts = new PromptEncoder(template, tokenizer, options).encodeAll(mixed.train());
                if (prompts.isEmpty()) {
                    throw new JobFailureException(JobFailure.invalidTrainingFile("no training row has a prompt to "
                            + "answer"), null);
                }
                execution.event(JobEventType.MESSAGE, "Encoded " + prompts.size() + " prompts for PPO (cutoff "
                        + cutoff + "); rows per dataset: " + describe(parts, mixed), Map.of("train_samples",
                        prompts.size(), "datasets", rowsData(parts, mixed)));
                return Samples.prompts(prompts, mixed.validation());
            }
            ConversationEncoder encoder = new ConversationEncoder(template, tokenizer, options);
            List<TokenizedSample> train = encoder.encodeAll(mixed.train()).samples();
            List<TokenizedSample> validation = encoder.encodeAll(mixed.validation()).samples();
            execution.event(JobEventType.MESSAGE, "Encoded " + train.size() + " training and " + validation.size()
                    + " validation samples (cutoff " + cutoff + "); rows per dataset: " + describe(parts, mixed),
                    Map.of("train_samples", train.size(), "validation_samples", validation.size(),
                            "datasets", rowsData(parts, mixed)));
            return new Samples(train, validation, List.of(), List.of(), mixed.validation());
        }
    }

    /**
     * Rows for a classification head ({@code task_type: seq_cls}): the label set of all rows (sorted, as the head's
     * class ids), each row its text and class; a dataset with other rows fails the job naming the row.
     */
    private static Samples classificationSamples(DatasetMix.Mixed mixed, TextTokenizer tokenizer, int cutoff,
            List<DatasetMix.Part> parts, JobExecution execution) {
        try {
            ClassLabels labels = ClassLabels.of(java.util.stream.Stream.concat(mixed.train().stream(),
                    mixed.validation().stream()).flatMap(e -> e.label().stream()).toList());
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, labels, cutoff);
            List<TokenizedSample> train = encoder.encodeAll(mixed.train());
            List<TokenizedSample> validation = encoder.encodeAll(mixed.validation());
            execution.event(JobEventType.MESSAGE, "Encoded " + train.size() + " training and " + validation.size()
                    + " validation rows for a classification head over " + labels.size() + " labels "
                    + labels.names() + " (cutoff " + cutoff + "); rows per dataset: " + describe(parts, mixed),
                    Map.of("train_samples", train.size(), "validation_samples", validation.size(),
                            "labels", labels.names(), "datasets", rowsData(parts, mixed)));
            return new Samples(train, validation, List.of(), List.of(), mixed.validation(), Optional.of(labels),
                    List.of());
        } catch (DatasetException | IllegalArgumentException e) {
            throw new JobFailureException(JobFailure.invalidTrainingFile("task_type seq_cls: " + e.getMessage()), e);
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

    /** Stage dpo trains on pairs only: a dataset with other rows fails the job, naming it. */
    private static void requirePairs(DatasetMix.Part part) {
        try {
            PreferenceData.requirePairs(part.name(), part.examples());
        } catch (DatasetException e) {
            throw new JobFailureException(JobFailure.invalidTrainingFile(e.getMessage()), e);
        }
    }

    /** Stage kto trains on rows with a kto_tag only: a dataset with other rows fails the job, naming it. */
    private static void requireKtoTags(DatasetMix.Part part) {
        try {
            KtoData.requireKtoTags(part.name(), part.examples());
        } catch (DatasetException e) {
            throw new JobFailureException(JobFailure.invalidTrainingFile(e.getMessage()), e);
        }
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
            log.metrics().forEach((name, value) -> execution.metric(step, name, value));
            execution.progress(step, (int) log.totalSteps(), log.tokensSeen());
            execution.phase(JobPhase.TRAINING, step, log.totalSteps());
        }

        @Override
        public void onEvaluationProgress(long step, int done, int total) {
            execution.phase(JobPhase.EVALUATING, done, total);
        }

        @Override
        public void onEvaluation(EvaluationResult result) {
            Map<String, Double> metrics = new java.util.LinkedHashMap<>();
            metrics.put("eval_loss", result.loss());
            metrics.put("eval_perplexity", result.perplexity());
            result.metrics().forEach((name, value) -> metrics.put("eval_" + name, value));
            execution.evaluation((int) result.step(), metrics);
        }

        @Override
        public void onCheckpointSaved(CheckpointSaved event) {
            try {
                execution.requireStoreSpace("the checkpoint at step " + event.step(),
                        DiskSpace.size(event.directory()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            execution.checkpoint((int) event.step(), dir -> FileTrees.copy(event.directory(), dir),
                    Map.of("best", event.best()));
        }
    }
}
