package io.tuneforge.trainer.training.classification;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorInfo;
import io.tuneforge.trainer.model.safetensors.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.SequencedMap;
import java.util.function.UnaryOperator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A classification head on a causal LM, as transformers' {@code LlamaForSequenceClassification} (and its Qwen2/3,
 * Mistral siblings): a bias-free {@code score} linear (K, C) from the final-normed hidden state of each text's last
 * token to K class logits; the LM head is unused. Trained: the base's trainable weights (LoRA adapters, or with full
 * / freeze tuning the base's own weights, the LM head excepted) plus the head. With LoRA it is saved as PEFT saves a
 * {@code SEQ_CLS} adapter: {@code task_type} SEQ_CLS, {@code modules_to_save} [classifier, score], the head in
 * {@code adapter_model.safetensors} as {@value #HEAD_KEY}; with full / freeze tuning as transformers saves the
 * {@code *ForSequenceClassification} model ({@code score.weight}, no {@code lm_head}, num_labels / id2label /
 * label2id in {@code config.json}). Either way {@link ClassLabels#FILE} holds the label names.
 *
 * <p>For training, {@link #lmHeadWeight()} is the head: rows from {@link ClassificationEncoder} carry one counted
 * target (the class id) after the text, so the trainer's chunked cross-entropy through the "LM head" is exactly the
 * classification loss, and gradient accumulation, checkpoints and resume work unchanged.
 */
public final class SequenceClassifier implements TrainableModel {

    /** PEFT's key of the head in a SEQ_CLS adapter (transformers' {@code score.weight}, (K, C)). */
    public static final String HEAD_KEY = PeftAdapter.HEAD_KEY;
    /** The head's key in a merged model. */
    public static final String MERGED_HEAD_KEY = "score.weight";
    /** The modules PEFT keeps whole for a SEQ_CLS task. */
    public static final List<String> MODULES_TO_SAVE = List.of("classifier", "score");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SEQUENCE_CLASSIFICATION = "ForSequenceClassification";

    private final LlamaModel base;
    private final ClassLabels labels;
    private final NDArray score;   // (K, C)

    private SequenceClassifier(LlamaModel base, ClassLabels labels, NDArray score) {
        this.base = base;
        this.labels = labels;
        this.score = score;
    }

    /**
     * A fresh head on {@code base}, initialised as transformers does a Linear ({@code normal(0, 0.02)}), from
     * {@code seed}; trainable.
     */
    public static SequenceClassifier withNewHead(LlamaModel base, ClassLabels labels, long seed) {
        int hidden = base.config().hiddenSize();
        Random random = new Random(seed);
        float[] values = new float[labels.size() * hidden];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.02);
        }
        NDArray score = base.manager().create(values, new Shape(labels.size(), hidden));   // (K, C)
        score.setRequiresGradient(true);
        return new SequenceClassifier(base, labels, score);
    }

    /**
     * The head saved in a PEFT SEQ_CLS adapter folder (ours or PEFT's own), on {@code base} with that adapter's LoRA
     * weights attached; frozen. Label names come from {@link ClassLabels#FILE}, else transformers' placeholders.
     */
    public static SequenceClassifier load(LlamaModel base, Path adapterDir) throws IOException {
        PeftAdapter.loadWithHead(base, adapterDir, false);
        try (SafetensorsReader reader = SafetensorsReader.open(adapterDir.resolve(PeftAdapter.WEIGHTS_FILE))) {
            TensorInfo info = reader.names().stream().filter(PeftAdapter::isHeadKey).findFirst().map(reader::info)
                    .orElseThrow(() -> new ModelConfigException(adapterDir + ": no " + HEAD_KEY
                            + " in the adapter; it is not a classification adapter (task_type SEQ_CLS)"));
            long[] shape = info.shape();
            if (shape.length != 2 || shape[1] != base.config().hiddenSize()) {
                throw new ModelConfigException(adapterDir + ": " + info.name() + " has shape " + info.shapeText()
                        + ", expected (num_labels, " + base.config().hiddenSize() + ")");
            }
            ClassLabels labels = ClassLabels.read(adapterDir).orElse(ClassLabels.placeholders((int) shape[0]));
            if (labels.size() != shape[0]) {
                throw new ModelConfigException(adapterDir + ": " + ClassLabels.FILE + " names " + labels.size()
                        + " labels but the head has " + shape[0]);
            }
            return new SequenceClassifier(base, labels, reader.load(base.manager(), info.name(), DataType.FLOAT32));
        }
    }

    /**
     * Whether {@code dir} holds a whole {@code *ForSequenceClassification} model (full / freeze tuning), rather than
     * a PEFT SEQ_CLS adapter.
     */
    public static boolean isModelCheckpoint(Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        return Files.isRegularFile(config) && JSON.readTree(Files.readString(config)).path("architectures").path(0)
                .asString("").endsWith(SEQUENCE_CLASSIFICATION);
    }

    /**
     * A directory beside which {@code checkpoint} (a {@code *ForSequenceClassification} model) loads as the causal LM
     * {@link LlamaModel} reads: its {@code config.json} with the causal architecture and {@code tie_word_embeddings}
     * true (the checkpoint has no LM head; the classifier never uses one), every other file linked. The extra
     * {@code score.weight} is not read by the LM; {@link #fromModelCheckpoint} reads it.
     */
    public static Path causalView(Path checkpoint, Path view) throws IOException {
        Files.createDirectories(view);
        ObjectNode config = (ObjectNode) JSON.readTree(Files.readString(checkpoint.resolve("config.json")));
        String architecture = config.path("architectures").path(0).asString();
        config.putArray("architectures").add(architecture.replace(SEQUENCE_CLASSIFICATION, "ForCausalLM"));
        config.put("tie_word_embeddings", true);
        Files.writeString(view.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        try (var files = Files.list(checkpoint)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (!name.equals("config.json")) {
                    Files.createSymbolicLink(view.resolve(name), file.toAbsolutePath());
                }
            }
        }
        return view;
    }

    /**
     * The head of a {@code *ForSequenceClassification} checkpoint ({@code score.weight}, labels from its
     * {@code config.json}) on {@code base}, loaded from its {@link #causalView}; frozen.
     */
    public static SequenceClassifier fromModelCheckpoint(LlamaModel base, Path checkpoint) throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.open(checkpoint)) {
            TensorInfo info = reader.find(MERGED_HEAD_KEY).orElseThrow(() -> new ModelConfigException(checkpoint
                    + ": no " + MERGED_HEAD_KEY + " in the checkpoint; it is not a sequence classifier"));
            long[] shape = info.shape();
            if (shape.length != 2 || shape[1] != base.config().hiddenSize()) {
                throw new ModelConfigException(checkpoint + ": " + MERGED_HEAD_KEY + " has shape " + info.shapeText()
                        + ", expected (num_labels, " + base.config().hiddenSize() + ")");
            }
            ClassLabels labels = ClassLabels.readConfig(checkpoint);
            if (labels.size() != shape[0]) {
                throw new ModelConfigException(checkpoint + ": config.json's id2label names " + labels.size()
                        + " labels but " + MERGED_HEAD_KEY + " has " + shape[0]);
            }
            return new SequenceClassifier(base, labels, reader.load(base.manager(), MERGED_HEAD_KEY,
                    DataType.FLOAT32));
        }
    }

    /** The underlying causal LM. */
    public LlamaModel base() {
        return base;
    }

    /** The head's labels, by class id. */
    public ClassLabels labels() {
        return labels;
    }

    /**
     * Class probabilities of texts (token ids as {@link ClassificationEncoder#textIds} gives them), a softmax of the
     * head's logits at each text's last token; computed {@code batchSize} rows at a time, right-padded.
     *
     * @return {@code [row][class]}
     */
    public double[][] probabilities(List<int[]> texts, int batchSize) {
        double[][] out = new double[texts.size()][];
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<int[]> rows = texts.subList(from, Math.min(texts.size(), from + batchSize));
            double[][] batch = logits(rows);
            for (int i = 0; i < rows.size(); i++) {
                out[from + i] = Softmax.of(batch[i]);
            }
        }
        return out;
    }

    /** Raw logits (R, K) at each row's last token, no gradient. */
    public double[][] logits(List<int[]> rows) {
        int length = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
        long[] ids = new long[rows.size() * length];
        long[] last = new long[rows.size()];
        for (int b = 0; b < rows.size(); b++) {
            int[] row = rows.get(b);
            for (int t = 0; t < row.length; t++) {
                ids[b * length + t] = row[t];
            }
            last[b] = (long) b * length + row.length - 1;
        }
        try (GradMode off = GradMode.disabled(); NDManager step = base.manager().newSubManager()) {
            NDArray hidden = base.hiddenStates(step, step.create(ids, new Shape(rows.size(), length)), false); // (R, T, C)
            NDArray flat = hidden.reshape(-1, hidden.getShape().get(2));                                          // (R*T, C)
            NDArray pooled = flat.get(new NDIndex("{}", step.create(last)));                                      // (R, C)
            NDArray logits = pooled.matMul(score.transpose()).toType(DataType.FLOAT64, false);                   // (R, K)
            double[] values = logits.toDoubleArray();
            double[][] out = new double[rows.size()][labels.size()];
            for (int b = 0; b < rows.size(); b++) {
                System.arraycopy(values, b * labels.size(), out[b], 0, labels.size());
            }
            return out;
        }
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training) {
        return base.hiddenStates(step, inputIds, training);
    }

    @Override
    public void neftuneNoiseAlpha(double alpha) {
        base.neftuneNoiseAlpha(alpha);
    }

    /** The classification head (K, C): the trainer's loss projects through it (see the class comment). */
    @Override
    public NDArray lmHeadWeight() {
        return score;
    }

    /** No soft-capping: the head's logits are used as they are (transformers caps LM logits only). */
    @Override
    public NDArray softcap(NDManager step, NDArray logits) {
        return logits;
    }

    @Override
    public UnaryOperator<NDArray> vocabularyProjection(NDManager step) {
        NDArray weightT = score.transpose();                                                // (C, K) view
        weightT.attach(step);
        return rows -> {
            NDArray logits = rows.matMul(weightT);                                          // (n, K)
            logits.attach(step);
            return logits;
        };
    }

    @Override
    public SequencedMap<String, NDArray> trainableParameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>(base.trainableParameters());
        out.remove(HfWeightNames.LM_HEAD); // full tuning: the classifier has no LM head (transformers drops it)
        out.put(HEAD_KEY, score);
        return out;
    }

    /**
     * The LoRA adapter as PEFT saves a SEQ_CLS one: {@code adapter_config.json} with task_type SEQ_CLS and
     * modules_to_save, the head added to {@code adapter_model.safetensors}; then {@link ClassLabels#FILE}. Each file
     * is written atomically.
     */
    @Override
    public void saveTrained(Path directory) throws IOException {
        if (base.loraConfig().isEmpty()) {
            saveModelCheckpoint(directory);
            return;
        }
        base.saveTrained(directory);
        Path weights = directory.resolve(PeftAdapter.WEIGHTS_FILE);
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager read = base.manager().newSubManager();
             SafetensorsReader reader = SafetensorsReader.open(weights)) {
            for (String name : reader.names()) {
                tensors.put(name, reader.load(read, name, DataType.FLOAT32));
            }
            tensors.put(HEAD_KEY, score);
            Path temp = directory.resolve("." + PeftAdapter.WEIGHTS_FILE + ".tmp");
            SafetensorsWriter.writeFile(temp, tensors, SafetensorsDType.F32);
            Files.move(temp, weights, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        Path config = directory.resolve(PeftAdapter.CONFIG_FILE);
        ObjectNode json = (ObjectNode) JSON.readTree(Files.readString(config));
        json.put("task_type", PeftAdapter.SEQ_CLS);
        var modules = json.putArray("modules_to_save");
        MODULES_TO_SAVE.forEach(modules::add);
        Path temp = directory.resolve("." + PeftAdapter.CONFIG_FILE + ".tmp");
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Files.move(temp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        labels.save(directory, base.config().architecture().hfName());
    }

    /**
     * Full / freeze tuning: the model as transformers' {@code save_pretrained} writes the
     * {@code *ForSequenceClassification} class (weights without the LM head, {@code score.weight} (K, C), config
     * entries), and {@link ClassLabels#FILE}.
     */
    private void saveModelCheckpoint(Path directory) throws IOException {
        String causal = base.config().architecture().hfName();
        base.saveSequenceClassifier(directory, TensorSource.of(MERGED_HEAD_KEY, score), labels.configEntries(causal));
        labels.save(directory, causal);
    }
}
