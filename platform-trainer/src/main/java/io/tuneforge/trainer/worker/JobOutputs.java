package io.tuneforge.trainer.worker;

import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobFailure;
import io.tuneforge.core.job.JobPhase;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.shared.evaluation.ComparisonFile;
import io.tuneforge.shared.evaluation.ComparisonRow;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.evaluation.ClassificationMetrics;
import io.tuneforge.trainer.evaluation.Comparison;
import io.tuneforge.trainer.evaluation.EvalDataset;
import io.tuneforge.trainer.evaluation.EvalExample;
import io.tuneforge.trainer.evaluation.Evaluator;
import io.tuneforge.trainer.evaluation.GenerationMetrics;
import io.tuneforge.trainer.evaluation.HeadEvaluation;
import io.tuneforge.trainer.evaluation.Prediction;
import io.tuneforge.trainer.evaluation.PredictionsFile;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.export.ChatFormat;
import io.tuneforge.trainer.export.GgufExportOptions;
import io.tuneforge.trainer.template.BuiltinChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.ResolvedTemplate;
import io.tuneforge.trainer.export.LlamaGgufExporter;
import io.tuneforge.trainer.export.LoraMerger;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.generate.GenerationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The results of a finished training run, built and stored one phase after the other: the PEFT adapter (LoRA), the
 * merged model as a complete Hugging Face folder, the held-out comparison of base and tuned model
 * ({@code predictions.jsonl} with {@code prompt, label, base, tuned} per row, BLEU-4 and ROUGE as job metrics), and a
 * GGUF file with its Ollama Modelfile when asked. Each phase writes a job event; a stop request (cancel, pause, lost
 * lease) is honoured between phases; a phase that fails fails the job naming the phase.
 */
final class JobOutputs {

    /** File name of the comparison inside the PREDICTIONS artifact (the Evaluate view reads it). */
    static final String PREDICTIONS_FILE = ComparisonFile.FILE_NAME;
    /** File name of the GGUF model inside the GGUF artifact; the {@code Modelfile} lies beside it. */
    static final String GGUF_FILE = "model.gguf";

    private final JobExecution execution;
    private final OutputSettings settings;
    private final Optional<String> template;
    private final Path workDir;
    /** Tokens the predictions generated so far and the time they took (both models), for the measured speed. */
    private long generatedTokens;
    private double generatedSeconds;

    /**
     * @param execution the job's run
     * @param settings  what to produce
     * @param template  the chat template the job trained with (empty: the model's own)
     * @param workDir   the attempt's scratch folder (the merged model is built here, then linked into the store)
     */
    JobOutputs(JobExecution execution, OutputSettings settings, Optional<String> template, Path workDir) {
        this.execution = execution;
        this.settings = settings;
        this.template = template;
        this.workDir = workDir;
    }

    /**
     * Stores every result of the run whose trained artefact is in {@code outputDir}; {@code heldOut} are the
     * validation rows (never trained on) and {@code finalStep} the step the comparison's metrics are recorded at.
     * Returns early, without error, when the job is asked to stop.
     */
    void store(Path outputDir, List<Example> heldOut, int finalStep) throws IOException {
        FineTuningMethod method = execution.spec().method();
        boolean lora = method == FineTuningMethod.LORA || method == FineTuningMethod.OFT;   // mergeable adapters
        boolean besideTheBase = method == FineTuningMethod.PREFIX || method == FineTuningMethod.ADAPTER;
        if ((lora || besideTheBase) && !storeFolder(ArtifactKind.ADAPTER, outputDir)) {
            return;
        }
        if (stopped()) {
            return;
        }
        if (besideTheBase) {
            storeUnmergeable(outputDir, heldOut, finalStep);
            return;
        }
        Path merged = workDir.resolve("merged");
        try {
            long mergeStart = System.nanoTime();
            runPhase("merging", () -> merge(outputDir, merged, lora));
            if (lora) {
                execution.speed(JobPhase.MERGING, execution.modelParameters() / seconds(mergeStart), "parameters");
            }
            if (!storeFolder(ArtifactKind.MERGED, merged) || stopped()) {
                return;
            }
            if (settings.classificationHead()) {
                runPhase("predicting", () -> classify(outputDir, heldOut, finalStep));
                if (stopped()) {
                    return;
                }
            } else if (settings.predictSamples() > 0) {
                runPhase("predicting", () -> predict(outputDir, merged, lora, heldOut, finalStep));
                if (stopped()) {
                    return;
                }
            }
            if (settings.exportGguf().isPresent()) {
                GgmlType type = settings.exportGguf().get();
                long exportStart = System.nanoTime();
                runPhase("exporting GGUF", () -> exportGguf(merged, type));
                execution.speed(JobPhase.EXPORTING_GGUF, execution.modelParameters() / seconds(exportStart),
                        "parameters");
            }
        } finally {
            FileTrees.delete(merged);
        }
    }

    /**
     * Prefix tuning and bottleneck adapters: no merged model and no GGUF (neither folds into the weights), each said
     * with its reason; the held-out comparison runs the base with the adapter loaded beside it.
     */
    private void storeUnmergeable(Path outputDir, List<Example> heldOut, int finalStep) throws IOException {
        AdapterFiles.Kind kind = AdapterFiles.kind(outputDir);
        event("No merged model: " + kind.notMergeableReason() + ". The adapter is stored; download it and load it "
                + "beside the base model (PEFT for prefix tuning; TuneForge's generate, evaluate and playground for both)");
        if (settings.predictSamples() > 0) {
            runPhase("predicting", () -> predict(outputDir, outputDir, true, heldOut, finalStep));
            if (stopped()) {
                return;
            }
        }
        if (settings.exportGguf().isPresent()) {
            event("GGUF export skipped: it needs a merged model, and " + kind.notMergeableReason());
        }
    }

    // ---------------------------------------------------------------- merging

    /** LoRA: base + adapter merged; full / freeze: the trained model completed with the base's tokenizer files. */
    private void merge(Path outputDir, Path merged, boolean lora) throws IOException {
        Path base = execution.spec().baseModelPath();
        if (lora) {
            event("Merging the adapter into the base model ("
                    + settings.mergeDtype().map(SafetensorsDType::torchDtype).orElse("the base's dtype") + ")");
            execution.phase(JobPhase.MERGING, 0, 0);
            LoraMerger.Result result = LoraMerger.merge(new MergeOptions(base, outputDir, merged,
                    MergeOptions.DEFAULT_MAX_SHARD_BYTES, settings.mergeDtype(), true),
                    (done, total) -> execution.phase(JobPhase.MERGING, done, total));
            event("Merged " + result.mergedWeights() + " LoRA weights; the model has " + result.tensors()
                    + " tensors in " + result.dtype().torchDtype() + " (" + megabytes(result.weightBytes()) + ")");
        } else {
            event("Packaging the fine-tuned model as a Hugging Face folder");
            execution.phase(JobPhase.MERGING, 0, 1);
            FileTrees.delete(merged);
            Files.createDirectories(merged);
            for (Path file : topLevelFiles(outputDir)) {
                link(file, merged.resolve(file.getFileName().toString()));
            }
            LoraMerger.completeModelFolder(base, merged);
            execution.phase(JobPhase.MERGING, 1, 1);
        }
    }

    // ---------------------------------------------------------------- predicting

    private void predict(Path outputDir, Path merged, boolean lora, List<Example> heldOut, int finalStep)
            throws IOException {
        List<EvalExample> rows = answerable(heldOut);
        if (rows.isEmpty()) {
            event("No held-out comparison: the validation split has no rows ending with an answer "
                    + "(set val_size above 0 and use chat or classification data)");
            return;
        }
        event("Predicting " + rows.size() + " held-out rows with the base and the tuned model (greedy, up to "
                + settings.predictMaxNewTokens() + " new tokens)");
        GenerationConfig generation = GenerationConfig.greedy(settings.predictMaxNewTokens());
        Path base = execution.spec().baseModelPath();
        execution.phase(JobPhase.PREDICTING, 0, 2L * rows.size());
        List<Prediction> basePredictions = generate(base, Optional.empty(), rows, generation, "base", 0);
        if (stopped()) {
            return;
        }
        // LoRA: base + the trained adapter, exactly what training optimised; full / freeze: the trained model
        List<Prediction> tunedPredictions = lora
                ? generate(base, Optional.of(outputDir), rows, generation, "tuned", rows.size())
                : generate(merged, Optional.empty(), rows, generation, "tuned", rows.size());
        if (generatedSeconds > 0) {
            execution.speed(JobPhase.PREDICTING, generatedTokens / generatedSeconds, "tokens");
        }
        List<ComparisonRow> comparison = Comparison.rows(basePredictions, tunedPredictions);
        if (!execution.artifact(ArtifactKind.PREDICTIONS,
                dir -> PredictionsFile.writeRows(dir.resolve(PREDICTIONS_FILE), comparison))) {
            return;
        }
        recordScores(finalStep, PredictionsFile.score(basePredictions), PredictionsFile.score(tunedPredictions));
    }

    /**
     * A classification head's held-out score: every validation row classified by the trained head; accuracy, macro-F1
     * and AUC as job metrics, the predicted labels as the predictions file (the base has no head: its column is
     * empty).
     */
    private void classify(Path adapterDir, List<Example> heldOut, int finalStep) throws IOException {
        if (heldOut.isEmpty()) {
            event("No held-out score for the classification head: set val_size above 0");
            return;
        }
        execution.phase(JobPhase.PREDICTING, 0, heldOut.size());
        HeadEvaluation scored = HeadEvaluation.run(execution.spec().baseModelPath(), adapterDir,
                settings.predictPrecision(), heldOut, settings.cutoffLen());
        execution.phase(JobPhase.PREDICTING, heldOut.size(), heldOut.size());
        List<ComparisonRow> rows = new java.util.ArrayList<>();
        for (int i = 0; i < scored.texts().size(); i++) {
            rows.add(new ComparisonRow(scored.texts().get(i), scored.truth().get(i), "", scored.predicted().get(i)));
        }
        if (!execution.artifact(ArtifactKind.PREDICTIONS,
                dir -> PredictionsFile.writeRows(dir.resolve(PREDICTIONS_FILE), rows))) {
            return;
        }
        ClassificationMetrics m = scored.metrics();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(MetricNames.predict("accuracy", "tuned"), m.accuracy());
        metrics.put(MetricNames.predict("macro_f1", "tuned"), m.macroF1());
        m.aucRoc().ifPresent(auc -> metrics.put(MetricNames.predict("auc_roc", "tuned"), auc));
        metrics.forEach((name, value) -> execution.metric(finalStep, name, value));
        execution.flushMetrics();
        execution.event(JobEventType.MESSAGE, String.format(Locale.ROOT, "Classification head on %d held-out rows: "
                + "accuracy %.3f, macro-F1 %.3f%s", m.samples(), m.accuracy(), m.macroF1(),
                m.aucRoc().isPresent() ? String.format(Locale.ROOT, ", AUC %.3f", m.aucRoc().getAsDouble()) : ""),
                Map.of("samples", m.samples(), "metrics", metrics, "labels", m.labels()));
    }

    /** Held-out chat and classification rows split into prompt and reference answer, at most predict_samples. */
    private List<EvalExample> answerable(List<Example> heldOut) {
        List<Example> usable = heldOut.stream()
                .filter(e -> e.kind() == ExampleKind.CHAT || e.kind() == ExampleKind.CLASSIFICATION)
                .filter(e -> !e.messages().isEmpty() && e.messages().getLast().role().equals("assistant"))
                .limit(settings.predictSamples())
                .toList();
        return EvalDataset.fromExamples("validation split", usable);
    }

    /**
     * Answers every row with one model, in batches with a KV cache; the predicting phase counts the answers of both
     * models ({@code answeredBefore}: those of the model before this one).
     */
    private List<Prediction> generate(Path modelDir, Optional<Path> adapter, List<EvalExample> rows,
            GenerationConfig generation, String who, int answeredBefore) throws IOException {
        long total = 2L * rows.size();
        try (Evaluator evaluator = Evaluator.open(modelDir, adapter, template, settings.predictPrecision())) {
            long start = System.nanoTime();
            List<Prediction> predictions = withDecodingThreads(() -> evaluator.predict(rows, generation,
                    done -> execution.phase(JobPhase.PREDICTING, answeredBefore + done, total)));
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = predictions.stream().mapToLong(p -> evaluator.tokenizer().encode(p.predict()).length).sum();
            generatedTokens += tokens;
            generatedSeconds += seconds;
            event(String.format(Locale.ROOT, "Predicted %d held-out rows with the %s model in %s: %d tokens in "
                    + "%.1f s (%.0f tokens/s)", predictions.size(), who, evaluator.precision().key(), tokens, seconds,
                    tokens / Math.max(seconds, 1e-9)));
            return predictions;
        }
    }

    /** libtorch threads while a CPU job decodes its predictions (see {@link #withDecodingThreads}). */
    static final int CPU_DECODING_THREADS = 1;

    /**
     * Runs {@code decoding} with {@value #CPU_DECODING_THREADS} libtorch thread on a CPU job, then restores the count.
     * Decoding runs many small ops, where more threads mostly add synchronisation; on a busy host they wait for each
     * other: stories260K, 4 rows × 32 tokens at load 23 on 2 cores, gave 4 tokens/s with 2 threads and 570 with 1
     * (docs/benchmarks.md, {@code bench-predict --threads}).
     */
    private <T> T withDecodingThreads(java.util.function.Supplier<T> decoding) {
        if (!execution.deviceIndexes().contains(-1)) {
            return decoding.get(); // CUDA: the GPU does the work
        }
        int previous = JniUtils.getNumThreads();
        JniUtils.setNumThreads(CPU_DECODING_THREADS);
        try {
            return decoding.get();
        } finally {
            JniUtils.setNumThreads(previous);
        }
    }

    /** Base and tuned BLEU-4 / ROUGE as job metrics at the final step, and a summary event. */
    private void recordScores(int finalStep, GenerationMetrics base, GenerationMetrics tuned) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (String model : List.of("base", "tuned")) {
            GenerationMetrics m = model.equals("base") ? base : tuned;
            metrics.put(MetricNames.predict("bleu_4", model), m.bleu4());
            metrics.put(MetricNames.predict("rouge_1", model), m.rouge1());
            metrics.put(MetricNames.predict("rouge_2", model), m.rouge2());
            metrics.put(MetricNames.predict("rouge_l", model), m.rougeL());
        }
        metrics.forEach((name, value) -> execution.metric(finalStep, name, value));
        execution.flushMetrics();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("samples", base.samples());
        data.put("metrics", metrics);
        data.put("tokenization", base.tokenizationSummary());
        execution.event(JobEventType.MESSAGE, String.format(Locale.ROOT,
                "Held-out comparison on %d rows, base → tuned: BLEU-4 %.2f → %.2f, ROUGE-1 %.2f → %.2f, "
                        + "ROUGE-2 %.2f → %.2f, ROUGE-L %.2f → %.2f (scored on %s)", base.samples(), base.bleu4(),
                tuned.bleu4(), base.rouge1(), tuned.rouge1(), base.rouge2(), tuned.rouge2(), base.rougeL(),
                tuned.rougeL(), base.tokenizationSummary()), data);
    }

    // ---------------------------------------------------------------- exporting

    private void exportGguf(Path merged, GgmlType type) throws IOException {
        String name = type.name().toLowerCase(Locale.ROOT);
        event("Exporting the merged model to GGUF (" + name + ")");
        execution.phase(JobPhase.EXPORTING_GGUF, 0, 0);
        execution.artifact(ArtifactKind.GGUF, dir -> {
            LlamaGgufExporter.Result result = LlamaGgufExporter.export(new GgufExportOptions(merged,
                    Optional.empty(), dir.resolve(GGUF_FILE), type, modelfileFormat(), true),
                    (done, total) -> execution.phase(JobPhase.EXPORTING_GGUF, done, total));
            event("Wrote " + GGUF_FILE + " (" + result.tensors().size() + " tensors, "
                    + megabytes(Files.size(result.gguf())) + ", chat format "
                    + result.chatFormat().name().toLowerCase(Locale.ROOT) + ") and an Ollama Modelfile");
        });
    }

    /**
     * The Modelfile's chat format: the one of the template the job trained with (resolved as the trainer resolved
     * it); empty (detected from the model's own chat template) when that was the model's own or has no Modelfile form.
     */
    private Optional<ChatFormat> modelfileFormat() {
        ResolvedTemplate resolved = ChatTemplates.resolve(execution.spec().baseModelPath(), template);
        if (!(resolved.template() instanceof BuiltinChatTemplate builtin)) {
            return Optional.empty();
        }
        Optional<ChatFormat> format = ChatFormat.ofTemplate(builtin.name());
        if (format.isEmpty()) {
            event("The Ollama Modelfile cannot express the chat template " + builtin.name()
                    + ": its TEMPLATE follows the model's own chat template, or is raw");
        }
        return format;
    }

    // ---------------------------------------------------------------- helpers

    /** One step of the finishing work; a failure becomes {@link JobFailure#outputFailed} naming the step. */
    @FunctionalInterface
    private interface Phase {
        void run() throws IOException;
    }

    private static void runPhase(String name, Phase phase) throws IOException {
        try {
            phase.run();
        } catch (IOException | RuntimeException e) {
            if (!FailureClassifier.classify(e).unexpected()) {
                throw e; // out of memory, invalid configuration...: already a precise reason
            }
            String detail = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines()
                    .findFirst().orElse("no message");
            throw new JobFailureException(JobFailure.outputFailed(name, detail), e);
        }
    }

    /** Stores the regular files at the top of {@code folder} (not its checkpoints) as an artifact of {@code kind}. */
    private boolean storeFolder(ArtifactKind kind, Path folder) throws IOException {
        List<Path> files = topLevelFiles(folder);
        return execution.artifact(kind, dir -> {
            for (Path file : files) {
                link(file, dir.resolve(file.getFileName().toString()));
            }
        });
    }

    private static List<Path> topLevelFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    /** A hard link when the two paths share a file system (no copy of multi-GB weights), else a copy. */
    private static void link(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, target);
        }
    }

    private static double seconds(long startNanos) {
        return Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    }

    private boolean stopped() {
        return execution.stopRequested().isPresent();
    }

    private void event(String message) {
        execution.event(JobEventType.MESSAGE, message, Map.of());
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
