package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.KtoData;
import io.tuneforge.trainer.data.KtoExample;
import io.tuneforge.trainer.data.PreferenceData;
import io.tuneforge.trainer.data.PretrainData;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.SftData;
import io.tuneforge.trainer.data.TokenizedDataset;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.PretrainEncoder;
import io.tuneforge.trainer.data.encoding.KtoEncoder;
import io.tuneforge.trainer.data.encoding.PromptEncoder;
import io.tuneforge.trainer.ppo.PpoSetup;
import java.util.List;
import io.tuneforge.trainer.data.encoding.PreferenceEncoder;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.recipe.RecipeMapping;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.tokenizer.TokenizerException;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainerLogWriter;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingConfigException;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingListeners;
import io.tuneforge.trainer.training.kto.KtoSetup;
import io.tuneforge.trainer.training.preference.PreferenceSetup;
import io.tuneforge.trainer.training.classification.ClassLabels;
import io.tuneforge.trainer.training.classification.ClassificationEncoder;
import io.tuneforge.trainer.training.classification.SequenceClassifier;
import io.tuneforge.trainer.training.reward.RewardModel;
import io.tuneforge.trainer.training.reward.RewardObjective;
import io.tuneforge.trainer.training.TrainingResult;
import io.tuneforge.trainer.training.TrainingStatus;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code train --config FILE.yaml}: supervised fine-tuning ({@code stage: sft}), continued pre-training on raw
 * text ({@code pt}), a reward model ({@code rm}) or preference optimisation ({@code dpo}) on chosen/rejected pairs,
 * from a LLaMA-Factory-style YAML file, read as a
 * {@link JobRecipe} (the same keys, defaults and checks as the New job form and the REST API; relative paths resolve
 * against the working folder, as in LLaMA-Factory). Progress goes to stderr as a bar; metrics to {@code output_dir/trainer_log.jsonl};
 * the result (for LoRA a PEFT adapter) to {@code output_dir}. A run whose output folder holds checkpoints resumes
 * from the latest unless {@code overwrite_output_dir: true}. Exit 0 on success, 1 on bad input or a failed run.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Fine-tune a model from a LLaMA-Factory-style YAML config (stage sft, pt, rm, dpo, kto or ppo; "
                + "lora, oft, prefix, adapter, freeze or full).")
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE.yaml", description = "The training config.")
    Path config;

    /** Where progress and summaries go (stderr; tests replace it). */
    PrintStream console = System.err;

    @Override
    public Integer call() {
        try {
            Map<String, Object> values = readYaml(config);
            JobRecipe recipe = JobRecipe.read(values, RecipeSource.YAML);
            if (recipe.evaluation().doPredict()) {
                spec.commandLine().getOut().println(PredictRun.run(recipe, Path.of("").toAbsolutePath(), console));
                spec.commandLine().getOut().flush();
                return 0;
            }
            TrainingResult result = run(recipe, Path.of("").toAbsolutePath());
            spec.commandLine().getOut().println(result.outputDir());
            spec.commandLine().getOut().flush();
            return result.status() == TrainingStatus.COMPLETED ? 0 : 1;
        } catch (RecipeException e) {
            return fail(e.getMessage().replace("in the YAML file", "in " + config));
        } catch (TrainingConfigException | DatasetException | TemplateException | TokenizerException
                 | ModelConfigException | io.tuneforge.shared.evaluation.EvaluationException e) {
            return fail(e.getMessage());
        } catch (IOException e) {
            return fail("I/O error: " + e.getMessage());
        }
    }

    private int fail(String message) {
        console.println();
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().flush();
        return 1;
    }

    /** Runs a recipe: data, model, trainer; relative paths resolve against {@code baseDir}. */
    TrainingResult run(JobRecipe recipe, Path baseDir) throws IOException {
        Path modelDir = RecipeMapping.path(recipe.model().modelNameOrPath(), baseDir).orElseThrow(() ->
                new TrainingConfigException("model_name_or_path is required: a local model folder with config.json "
                        + "and model.safetensors"));
        if (!Files.isDirectory(modelDir)) {
            throw new TrainingConfigException("model_name_or_path: " + modelDir + " is not a folder");
        }
        if (recipe.data().datasets().isEmpty()) {
            throw new TrainingConfigException("dataset is required: a comma list of dataset_info.json names or files");
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            ChatTemplate template = ChatTemplates.forModel(modelDir, recipe.data().template());
            EncodingOptions encoding = RecipeMapping.encoding(recipe);
            PreparationOptions preparation = RecipeMapping.preparation(recipe);
            console.printf(Locale.ROOT, "reading %s%n", String.join(", ", recipe.data().datasets()));
            Optional<Path> datasetDir = RecipeMapping.path(recipe.data().datasetDir(), baseDir);
            Optional<Path> tokenizedPath = RecipeMapping.path(recipe.data().tokenizedPath(), baseDir);
            TokenizedDataset.Provenance provenance = tokenizedPath.isPresent()
                    ? tokenizedProvenance(recipe, modelDir, template.name(), encoding.cutoffLen()) : null;
            TokenizedDataset cached = tokenizedPath.filter(TokenizedDataset::exists).isPresent()
                    ? TokenizedDataset.read(tokenizedPath.get(), provenance) : null;
            SftData data = null;
            PreferenceData pairs = null;
            PretrainData text = null;
            KtoData kto = null;
            if (RecipeMapping.isKtoStage(recipe)) {
                kto = KtoData.build(recipe.data().datasets(), datasetDir, preparation,
                        new KtoEncoder(template, tokenizer, encoding));
                long desirable = kto.train().stream().filter(KtoExample::desirable).count();
                console.printf(Locale.ROOT, "data: %d rows -> %d train (%d desirable, %d undesirable) / %d "
                                + "validation examples; cutoff_len %d; template %s; stage kto%n",
                        kto.prepared().inputRows(), kto.train().size(), desirable, kto.train().size() - desirable,
                        kto.validation().size(), encoding.cutoffLen(), template.name());
            } else if (cached != null) {
                console.printf(Locale.ROOT, "data: %d train / %d validation samples read from tokenized_path %s "
                                + "(template %s, cutoff_len %d)%n", cached.train().size(), cached.validation().size(),
                        tokenizedPath.orElseThrow(), template.name(), encoding.cutoffLen());
            } else if (RecipeMapping.isPretrainStage(recipe)) {
                text = PretrainData.build(recipe.data().datasets(), datasetDir, preparation,
                        new PretrainEncoder(tokenizer, encoding.cutoffLen(), RecipeMapping.pretrainPacking(recipe)));
                console.printf(Locale.ROOT, "data: %d documents -> %d train / %d validation blocks of cutoff_len %d "
                                + "(packing %s)%n", text.prepared().inputRows(), text.train().size(),
                        text.validation().size(), encoding.cutoffLen(), RecipeMapping.pretrainPacking(recipe));
            } else if (RecipeMapping.isPreferenceStage(recipe) || RecipeMapping.isRewardStage(recipe)) {
                pairs = PreferenceData.build(recipe.data().datasets(), datasetDir, preparation,
                        new PreferenceEncoder(template, tokenizer, encoding));
                console.printf(Locale.ROOT, "data: %d rows -> %d train / %d validation pairs (%d duplicates "
                                + "removed); cutoff_len %d; template %s; stage %s%n",
                        pairs.prepared().inputRows(), pairs.train().size(), pairs.validation().size(),
                        pairs.prepared().duplicatesRemoved(), encoding.cutoffLen(), template.name(),
                        recipe.method().stage());
            } else {
                data = SftData.build(recipe.data().datasets(), datasetDir, preparation,
                        new ConversationEncoder(template, tokenizer, encoding));
                console.printf(Locale.ROOT, "data: %d rows -> %d train / %d validation (%d duplicates removed); "
                                + "%d train samples truncated at cutoff_len %d; template %s%n",
                        data.prepared().inputRows(), data.prepared().train().size(),
                        data.prepared().validation().size(), data.prepared().duplicatesRemoved(),
                        data.train().stats().truncated(), encoding.cutoffLen(), template.name());
            }
            if (tokenizedPath.isPresent() && cached == null) {
                cached = text != null ? new TokenizedDataset(provenance, text.train(), text.validation())
                        : new TokenizedDataset(provenance, data.train().samples(), data.validation().samples());
                cached.write(tokenizedPath.get());
                console.printf(Locale.ROOT, "data: tokenized set saved to tokenized_path %s; later runs read it%n",
                        tokenizedPath.get());
            }
            List<TokenizedSample> trainSamples = cached != null ? cached.train()
                    : text != null ? text.train() : data != null ? data.train().samples() : null;
            List<TokenizedSample> validationSamples = cached != null ? cached.validation()
                    : text != null ? text.validation() : data != null ? data.validation().samples() : null;
            Path outputDir = RecipeMapping.path(recipe.outputs().outputDir(), baseDir)
                    .orElse(baseDir.resolve("saves/train"));
            TrainingConfig config = RecipeMapping.trainingConfig(recipe, outputDir).toBuilder()
                    .padTokenId(tokenizer.specialTokens().padId().orElse(0)).build();
            Files.createDirectories(config.outputDir());
            Optional<Path> resume = RecipeMapping.path(recipe.outputs().resumeFromCheckpoint(), baseDir)
                    .or(() -> recipe.outputs().overwriteOutputDir() ? Optional.empty()
                            : latestCheckpoint(config.outputDir()));
            TrainingListener listeners = TrainingListeners.of(new ConsoleProgressBar(console),
                    new TrainerLogWriter(config.outputDir()));
            if (ModelConfig.load(modelDir).architecture().isEncoderDecoder()) {
                return trainT5(recipe, baseDir, modelDir, data, config, listeners, resume);
            }
            try (LlamaModel model = loadModel(recipe, baseDir)) {
                if (RecipeMapping.isPretrainStage(recipe)) {
                    return new Trainer(config, model, trainSamples, validationSamples)
                            .train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
                }
                if (kto != null) {
                    try (KtoSetup setup = KtoSetup.of(RecipeMapping.kto(recipe), model)) {
                        return Trainer.preference(config, model, kto.train(), kto.validation(), setup.objective())
                                .train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
                    }
                }
                if (pairs != null && RecipeMapping.isRewardStage(recipe)) {
                    RewardModel reward = RewardModel.withNewHead(model, recipe.optimization().seed());
                    return Trainer.preference(config, reward, pairs.train(), pairs.validation(),
                            new RewardObjective(reward))
                            .train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
                }
                if (pairs != null) {
                    try (PreferenceSetup setup = PreferenceSetup.of(RecipeMapping.preference(recipe), model)) {
                        return Trainer.preference(config, model, pairs.train(), pairs.validation(), setup.training())
                                .train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
                    }
                }
                if (recipe.data().classificationHead()) {
                    return trainHead(data, tokenizer, encoding.cutoffLen(), model, config, listeners, resume);
                }
                if (RecipeMapping.isPpoStage(recipe)) {
                    List<int[]> prompts = new PromptEncoder(template, tokenizer, encoding)
                            .encodeAll(data.prepared().train());
                    try (PpoSetup ppo = PpoSetup.of(recipe, config, model, tokenizer,
                            rewardFolder(recipe, baseDir, modelDir), prompts, encoding.cutoffLen())) {
                        return ppo.trainer().train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
                    }
                }
                Trainer trainer = new Trainer(config, model, trainSamples, validationSamples);
                return trainer.train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
            }
        }
    }

    /**
     * What a tokenized set kept at {@code tokenized_path} depends on; refused (naming the key) for the runs that need
     * more than token ids: preference pairs, KTO, classification heads, PPO prompts, T5's source/target split.
     */
    private static TokenizedDataset.Provenance tokenizedProvenance(JobRecipe recipe, Path modelDir, String template,
            int cutoffLen) throws IOException {
        boolean plain = (recipe.method().stage().equals("sft") && !recipe.data().classificationHead())
                || RecipeMapping.isPretrainStage(recipe);
        if (!plain || ModelConfig.load(modelDir).architecture().isEncoderDecoder()) {
            throw new TrainingConfigException("tokenized_path keeps the token ids of stage sft (generation) and pt "
                    + "on a decoder model; remove it for stage " + recipe.method().stage()
                    + (recipe.data().classificationHead() ? " with task_type seq_cls" : "")
                    + (ModelConfig.load(modelDir).architecture().isEncoderDecoder() ? " on an encoder-decoder" : ""));
        }
        return new TokenizedDataset.Provenance(TokenizedDataset.tokenizerFingerprint(modelDir), template, cutoffLen,
                recipe.method().stage(), recipe.data().datasets());
    }

    /**
     * A T5 / Flan-T5 (DD036): supervised source → target training only (stage sft, generation labels), LoRA or full,
     * through the same Trainer; an {@code adapter_name_or_path} continues training that adapter.
     */
    private static TrainingResult trainT5(JobRecipe recipe, Path baseDir, Path modelDir, SftData data,
            TrainingConfig config, TrainingListener listeners, Optional<Path> resume) throws IOException {
        if (data == null || recipe.data().classificationHead() || RecipeMapping.isPpoStage(recipe)) {
            throw new TrainingConfigException("model_name_or_path: " + modelDir + " is a T5ForConditionalGeneration "
                    + "(encoder-decoder), which TuneForge trains with stage sft on chat, Alpaca or classification "
                    + "(labels as text) data only; stage " + recipe.method().stage() + (recipe.data()
                    .classificationHead() ? " with task_type seq_cls" : "") + " is not supported for it");
        }
        Optional<Path> adapter = RecipeMapping.path(recipe.model().adapterNameOrPath(), baseDir);
        FineTuning fineTuning = adapter.isPresent() ? FineTuning.none() : RecipeMapping.fineTuning(recipe);
        try (T5Model model = T5Model.load(modelDir, RecipeMapping.modelOptions(recipe, fineTuning))) {
            if (adapter.isPresent()) {
                PeftAdapter.load(model, adapter.get(), true);
            }
            model.requireSourceEnds(data.train().samples().stream()
                    .map(s -> new int[][] {s.inputIds(), s.labels()}).toList(), TokenizedSample.IGNORE_INDEX,
                    recipe.data().template().orElse("auto"));
            return new Trainer(config, model, data.train().samples(), data.validation().samples())
                    .train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
        }
    }

    /**
     * {@code task_type: seq_cls}: the prepared rows' texts and labels train a classification head (the labels of all
     * rows, sorted, are its classes).
     */
    private TrainingResult trainHead(SftData data, TextTokenizer tokenizer, int cutoffLen, LlamaModel model,
            TrainingConfig config, TrainingListener listeners, Optional<Path> resume) throws IOException {
        List<Example> train = data.prepared().train();
        List<Example> validation = data.prepared().validation();
        ClassLabels labels = ClassLabels.of(java.util.stream.Stream.concat(train.stream(), validation.stream())
                .flatMap(e -> e.label().stream()).toList());
        ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, labels, cutoffLen);
        console.printf(Locale.ROOT, "classification head over %d labels %s%n", labels.size(), labels.names());
        SequenceClassifier classifier = SequenceClassifier.withNewHead(model, labels, config.seed());
        return new Trainer(config, classifier, encoder.encodeAll(train), encoder.encodeAll(validation))
                .train(listeners, () -> Thread.currentThread().isInterrupted(), resume);
    }

    /**
     * Stage ppo's reward model from {@code reward_model}: a finished stage rm folder, a PEFT adapter applied to a
     * copy of the policy's base, or a full model with the same tokenizer, plus {@code value_head.safetensors}.
     */
    private static PpoSetup.RewardFolder rewardFolder(JobRecipe recipe, Path baseDir, Path modelDir)
            throws IOException {
        Path rewardDir = RecipeMapping.path(recipe.preference().ppo().rewardModel(), baseDir).orElseThrow(() ->
                new TrainingConfigException("reward_model is required for stage ppo: the output folder of a "
                        + "finished reward-model run (stage rm)"));
        if (!Files.isRegularFile(rewardDir.resolve(RewardModel.VALUE_HEAD_FILE))) {
            throw new TrainingConfigException("reward_model: " + rewardDir + " has no " + RewardModel.VALUE_HEAD_FILE
                    + ": it is not the output of a finished reward-model run (stage rm)");
        }
        boolean full = Files.isRegularFile(rewardDir.resolve("config.json"));
        if (full) {
            requireSameTokenizer(modelDir, rewardDir);
        } else if (!Files.isRegularFile(rewardDir.resolve(PeftAdapter.CONFIG_FILE))) {
            throw new TrainingConfigException("reward_model: " + rewardDir + " has neither a LoRA adapter ("
                    + PeftAdapter.CONFIG_FILE + ") nor model weights (config.json)");
        }
        return new PpoSetup.RewardFolder(rewardDir, modelDir, !full);
    }

    /** A full reward model must share the policy's tokenizer: its scores read the policy's token ids. */
    private static void requireSameTokenizer(Path modelDir, Path rewardDir) throws IOException {
        Path ours = modelDir.resolve("tokenizer.json");
        Path theirs = rewardDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(theirs) || Files.mismatch(ours, theirs) != -1) {
            throw new TrainingConfigException("reward_model: " + rewardDir + " has another tokenizer than "
                    + modelDir + " (tokenizer.json differs or is missing): PPO scores the policy's token ids, so the "
                    + "reward model must be trained from the same base model");
        }
    }

    private static Optional<Path> latestCheckpoint(Path outputDir) {
        try {
            return CheckpointStore.latest(outputDir);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static LlamaModel loadModel(JobRecipe recipe, Path baseDir) throws IOException {
        Path modelDir = RecipeMapping.path(recipe.model().modelNameOrPath(), baseDir).orElseThrow();
        Optional<Path> adapter = RecipeMapping.path(recipe.model().adapterNameOrPath(), baseDir);
        if (adapter.isPresent() && recipe.method().lora().createNewAdapter()) {
            return withNewAdapter(recipe, modelDir, adapter.get());
        }
        if (adapter.isPresent()) {
            LlamaModel model = LlamaModel.load(modelDir, RecipeMapping.modelOptions(recipe, FineTuning.none()));
            try {
                AdapterFiles.load(model, adapter.get(), true);
                return model;
            } catch (RuntimeException | IOException e) {
                model.close();
                throw e;
            }
        }
        return LlamaModel.load(modelDir, RecipeMapping.modelOptions(recipe, RecipeMapping.fineTuning(recipe)));
    }

    /**
     * {@code create_new_adapter}, as LLaMA-Factory does it: the given adapter is merged into the base
     * ({@code merge_and_unload}) and a new adapter of the recipe's LoRA settings (PiSSA included) starts on the merged
     * model. The recipe refuses it with bf16, whose frozen base is held in bfloat16 and cannot take the merge.
     */
    private static LlamaModel withNewAdapter(JobRecipe recipe, Path modelDir, Path adapter) throws IOException {
        LlamaModel model = LlamaModel.load(modelDir, RecipeMapping.modelOptions(recipe, FineTuning.none()));
        try {
            io.tuneforge.trainer.model.AdapterFiles.load(model, adapter, false);
            model.merge();
            switch (RecipeMapping.fineTuning(recipe)) {
                case FineTuning.Oft oft -> model.addOft(oft.oft());
                case FineTuning.Lora lora -> model.startLora(lora, recipe.optimization().seed());
                default -> throw new IllegalStateException("create_new_adapter needs finetuning_type lora or oft");
            }
            return model;
        } catch (RuntimeException | IOException e) {
            model.close();
            throw e;
        }
    }

    /** The key: value mapping of a train config file, as {@code train --config} reads it (YAML 1.1, safe types). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readYaml(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TrainingConfigException("config file " + file + " does not exist");
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            if (!(loaded instanceof Map<?, ?> map)) {
                throw new TrainingConfigException(file + " must be a YAML mapping of key: value");
            }
            return (Map<String, Object>) map;
        } catch (YAMLException e) {
            throw new TrainingConfigException(file + " is not valid YAML: " + e.getMessage());
        }
    }
}
