package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.LoraWeights;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.SplittableRandom;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3) loaded from a Hugging Face model directory:
 * <pre>
 *   x = embed[ids]                                  (B, T, C)
 *   for each block: x = x + attn(rmsnorm(x)); x = x + mlp(rmsnorm(x))
 *   h = rmsnorm(x)                                  (B, T, C)   hiddenStates
 *   logits = h · lm_headᵀ                           (B, T, V)
 * </pre>
 */
public final class LlamaModel implements CausalLanguageModel {

    private static final float MASKED = -1e9f;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> COPIED_FILES = List.of("generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "chat_template.jinja");

    private final Path directory;
    private final ModelConfig config;
    private final ModelOptions options;
    private final NDManager manager;
    private final NDArray embedding;         // (V, C)
    private final List<DecoderBlock> blocks;
    private final RmsNorm finalNorm;
    private final NDArray lmHead;            // (V, C), the embedding when tied
    private final RotaryEmbedding rope;
    private final List<NamedParameter> trainable = new ArrayList<>();
    private Optional<LoraConfig> lora = Optional.empty();

    private LlamaModel(Path directory, ModelConfig config, ModelOptions options, NDManager manager, NDArray embedding,
                       List<DecoderBlock> blocks, RmsNorm finalNorm, NDArray lmHead) {
        this.directory = directory;
        this.config = config;
        this.options = options;
        this.manager = manager;
        this.embedding = embedding;
        this.blocks = blocks;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = new RotaryEmbedding(manager, config);
    }

    /** Loads config and weights of a model directory and sets up the fine-tuning mode of {@code options}. */
    public static LlamaModel load(Path directory, ModelOptions options) throws IOException {
        ModelConfig config = ModelConfig.load(directory);
        NDManager manager = NDManager.newBaseManager(options.device().toDjl());
        try (SafetensorsReader reader = SafetensorsReader.open(directory)) {
            CheckpointWeights weights = new CheckpointWeights(reader, config, manager, directory);
            LlamaModel model = assemble(directory, config, options, manager, weights);
            model.setUpFineTuning(options.fineTuning(), options.seed());
            return model;
        } catch (RuntimeException | IOException e) {
            manager.close();
            throw e;
        }
    }

    private static LlamaModel assemble(Path directory, ModelConfig config, ModelOptions options, NDManager manager,
                                       CheckpointWeights w) {
        NDArray eps = manager.full(new Shape(), (float) config.rmsNormEps(), DataType.FLOAT32);
        NDArray scale = manager.full(new Shape(), (float) (1.0 / Math.sqrt(config.headDim())), DataType.FLOAT32);
        DataType base = options.baseWeightType();
        NDArray embedding = w.take(HfWeightNames.EMBED, DataType.FLOAT32);
        List<DecoderBlock> blocks = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String l = HfWeightNames.layer(i);
            RmsNorm qNorm = config.qkNorm() ? new RmsNorm(w.take(l + ".self_attn.q_norm.weight", DataType.FLOAT32), eps) : null;
            RmsNorm kNorm = config.qkNorm() ? new RmsNorm(w.take(l + ".self_attn.k_norm.weight", DataType.FLOAT32), eps) : null;
            Attention attention = new Attention(
                    w.linear(HfWeightNames.linear(i, "q_proj"), config.qkvBias(), base),
                    w.linear(HfWeightNames.linear(i, "k_proj"), config.qkvBias(), base),
                    w.linear(HfWeightNames.linear(i, "v_proj"), config.qkvBias(), base),
                    w.linear(HfWeightNames.linear(i, "o_proj"), config.oBias(), base),
                    qNorm, kNorm, config, scale);
            Mlp mlp = new Mlp(
                    w.linear(HfWeightNames.linear(i, "gate_proj"), config.mlpBias(), base),
                    w.linear(HfWeightNames.linear(i, "up_proj"), config.mlpBias(), base),
                    w.linear(HfWeightNames.linear(i, "down_proj"), config.mlpBias(), base));
            blocks.add(new DecoderBlock(i,
                    new RmsNorm(w.take(l + ".input_layernorm.weight", DataType.FLOAT32), eps),
                    attention,
                    new RmsNorm(w.take(l + ".post_attention_layernorm.weight", DataType.FLOAT32), eps),
                    mlp));
        }
        RmsNorm finalNorm = new RmsNorm(w.take(HfWeightNames.FINAL_NORM, DataType.FLOAT32), eps);
        NDArray lmHead = config.tieWordEmbeddings() ? embedding : w.take(HfWeightNames.LM_HEAD, DataType.FLOAT32);
        return new LlamaModel(directory, config, options, manager, embedding, blocks, finalNorm, lmHead);
    }

    /** Reads and checks the checkpoint's tensors against {@link HfWeightNames#expected}. */
    private static final class CheckpointWeights {
        private final SafetensorsReader reader;
        private final NDManager manager;
        private final Map<String, WeightSpec> expected = new LinkedHashMap<>();
        private final Path directory;
        private final ModelConfig config;

        CheckpointWeights(SafetensorsReader reader, ModelConfig config, NDManager manager, Path directory) {
            this.reader = reader;
            this.manager = manager;
            this.directory = directory;
            this.config = config;
            for (WeightSpec spec : HfWeightNames.expected(config)) {
                expected.put(spec.name(), spec);
            }
            for (WeightSpec spec : expected.values()) {
                check(spec);
            }
        }

        private void check(WeightSpec spec) {
            Optional<TensorInfo> info = reader.find(spec.name());
            if (info.isEmpty()) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' is missing from the "
                        + "checkpoint; a " + config.architecture().hfName() + " with this config.json needs it with shape "
                        + spec.shapeText());
            }
            if (!Arrays.equals(info.get().shape(), spec.shape())) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' has shape "
                        + info.get().shapeText() + " but config.json implies " + spec.shapeText());
            }
            if (!info.get().dtype().isFloatingPoint()) {
                throw new ModelConfigException(directory + ": tensor '" + spec.name() + "' is " + info.get().dtype()
                        + "; weights must be F32, F16 or BF16 (quantized checkpoints are not supported)");
            }
        }

        NDArray take(String name, DataType type) {
            if (!expected.containsKey(name)) {
                throw new IllegalStateException("weight not in the expected table: " + name);
            }
            return reader.load(manager, name, type);
        }

        Linear linear(String module, boolean bias, DataType type) {
            NDArray weight = take(module + ".weight", type);
            NDArray b = bias ? take(module + ".bias", DataType.FLOAT32) : null;
            return new Linear(module, weight, b);
        }
    }

    private void setUpFineTuning(FineTuning fineTuning, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        switch (fineTuning) {
            case FineTuning.None none -> {
            }
            case FineTuning.Lora l -> addLora(l.lora(), seed);
            case FineTuning.Full full -> {
                addTrainable(HfWeightNames.EMBED, embedding);
                blocks.forEach(this::addBlockTrainable);
                addTrainable(HfWeightNames.FINAL_NORM, finalNorm.weight());
                if (!config.tieWordEmbeddings()) {
                    addTrainable(HfWeightNames.LM_HEAD, lmHead);
                }
            }
            case FineTuning.Freeze freeze -> {
                if (freeze.trainableLayers() > config.numLayers()) {
                    throw new ModelConfigException("freeze tuning of the last " + freeze.trainableLayers()
                            + " layers, but the model has only " + config.numLayers());
                }
                blocks.subList(config.numLayers() - freeze.trainableLayers(), config.numLayers())
                        .forEach(this::addBlockTrainable);
            }
        }
    }

    private void addBlockTrainable(DecoderBlock block) {
        String l = HfWeightNames.layer(block.index());
        addTrainable(l + ".input_layernorm.weight", block.inputNorm().weight());
        for (Linear linear : block.attention().linears()) {
            addLinearTrainable(linear);
        }
        if (block.attention().qNorm() != null) {
            addTrainable(l + ".self_attn.q_norm.weight", block.attention().qNorm().weight());
            addTrainable(l + ".self_attn.k_norm.weight", block.attention().kNorm().weight());
        }
        addTrainable(l + ".post_attention_layernorm.weight", block.postAttentionNorm().weight());
        for (Linear linear : block.mlp().linears()) {
            addLinearTrainable(linear);
        }
    }

    private void addLinearTrainable(Linear linear) {
        addTrainable(linear.path() + ".weight", linear.weight());
        linear.bias().ifPresent(b -> addTrainable(linear.path() + ".bias", b));
    }

    private void addTrainable(String name, NDArray array) {
        array.setRequiresGradient(true);
        trainable.add(new NamedParameter(name, array));
    }

    /**
     * Attaches fresh LoRA adapters (A Kaiming-uniform from {@code seed}, B zero) to the configured modules of every
     * layer and makes them the trainable parameters.
     */
    public void addLora(LoraConfig loraConfig, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Linear linear : loraTargets(loraConfig)) {
            LoraWeights weights = LoraWeights.initialise(manager, linear.inFeatures(), linear.outFeatures(),
                    loraConfig, random.split());
            linear.attachLora(weights);
        }
        registerLora(loraConfig, true);
    }

    /**
     * Attaches LoRA adapters with given weights (A (r, in), B (out, r) by module path); used by
     * {@link PeftAdapter#load}. Trainable when {@code trainable} (continuing to train an adapter).
     */
    public void attachLora(LoraConfig loraConfig, Map<String, NDArray[]> weightsByModule, boolean trainable) {
        for (Linear linear : loraTargets(loraConfig)) {
            NDArray[] ab = weightsByModule.get(linear.path());
            if (ab == null) {
                throw new ModelConfigException("adapter has no lora_A/lora_B for module '" + linear.path() + "'");
            }
            linear.attachLora(LoraWeights.of(ab[0], ab[1], loraConfig));
        }
        registerLora(loraConfig, trainable);
    }

    private void registerLora(LoraConfig loraConfig, boolean trainable) {
        this.lora = Optional.of(loraConfig);
        this.trainable.clear();
        if (!trainable) {
            return;
        }
        for (Linear linear : loraTargets(loraConfig)) {
            LoraWeights w = linear.lora().orElseThrow();
            w.setTrainable(true);
            this.trainable.add(new NamedParameter(PeftAdapter.key(linear.path(), "lora_A"), w.a()));
            this.trainable.add(new NamedParameter(PeftAdapter.key(linear.path(), "lora_B"), w.b()));
        }
    }

    /** The linears a LoRA config targets, layer by layer in PEFT's module order. */
    public List<Linear> loraTargets(LoraConfig loraConfig) {
        List<Linear> targets = new ArrayList<>();
        for (DecoderBlock block : blocks) {
            for (Linear linear : allLinears(block)) {
                String module = linear.path().substring(linear.path().lastIndexOf('.') + 1);
                if (loraConfig.targetModules().contains(module)) {
                    targets.add(linear);
                }
            }
        }
        return targets;
    }

    private static List<Linear> allLinears(DecoderBlock block) {
        List<Linear> all = new ArrayList<>(List.of(block.attention().linears()));
        all.addAll(List.of(block.mlp().linears()));
        return all;
    }

    /** Every decoder linear by Hugging Face module path. */
    public SequencedMap<String, Linear> linears() {
        SequencedMap<String, Linear> out = new LinkedHashMap<>();
        for (DecoderBlock block : blocks) {
            allLinears(block).forEach(l -> out.put(l.path(), l));
        }
        return out;
    }

    /** The attached LoRA configuration, if any. */
    public Optional<LoraConfig> loraConfig() {
        return lora;
    }

    /** Folds every LoRA adapter into its base weight (W + s·B·A); afterwards the model has no adapter. */
    public void merge() {
        for (Linear linear : linears().values()) {
            linear.merge();
        }
        lora = Optional.empty();
        trainable.clear();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /** The directory the model was loaded from. */
    public Path directory() {
        return directory;
    }

    /** The options it was loaded with. */
    public ModelOptions options() {
        return options;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training, KvCache cache) {
        int t = (int) inputIds.getShape().get(1);
        int offset = cache == null ? 0 : cache.length();
        NDArray ids = onModelDevice(step, inputIds.getDataType() == DataType.INT64
                ? inputIds : own(step, inputIds.toType(DataType.INT64, false)));              // (B, T)
        NDArray mask = onModelDevice(step, causalMask(step, t, offset));                     // (T, S)
        NDArray x = own(step, embedding.get(new NDIndex("{}", ids)));                        // (B, T, C)
        for (DecoderBlock block : blocks) {
            x = block.forward(step, x, rope, mask, cache, offset, training);                // (B, T, C)
        }
        if (cache != null) {
            cache.advance(t);
        }
        return finalNorm.forward(step, x);                                                   // (B, T, C)
    }

    /** The array on the model's device (ids and masks a caller built on another device; no gradient involved). */
    private NDArray onModelDevice(NDManager step, NDArray array) {
        if (array.getDevice().equals(manager.getDevice())) {
            return array;
        }
        return own(step, array.toDevice(manager.getDevice(), false));
    }

    /** Additive mask (T, S), S = offset + T: 0 where key j may be seen by query i, else a large negative. */
    private NDArray causalMask(NDManager step, int t, int offset) {
        int s = offset + t;
        int window = config.slidingWindow().orElse(Integer.MAX_VALUE);
        float[] mask = new float[t * s];
        for (int i = 0; i < t; i++) {
            int position = offset + i;
            for (int j = 0; j < s; j++) {
                boolean visible = j <= position && position - j < window;
                mask[i * s + j] = visible ? 0f : MASKED;
            }
        }
        return step.create(mask, new Shape(t, s));
    }

    @Override
    public NDArray lmHeadWeight() {
        return lmHead;
    }

    @Override
    public NDArray logits(NDManager step, NDArray hidden) {
        return Linear.project(step, hidden, lmHead);                                        // (..., V)
    }

    @Override
    public KvCache newCache() {
        return new KvCache(manager, config.numLayers());
    }

    @Override
    public List<NamedParameter> parameters() {
        return List.copyOf(trainable);
    }

    @Override
    public SequencedMap<String, NDArray> trainableParameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        trainable.forEach(p -> out.put(p.name(), p.array()));
        return out;
    }

    /**
     * Writes the result of training: a PEFT adapter for LoRA, else the whole model in Hugging Face layout (FLOAT32
     * safetensors, config and tokenizer files).
     */
    @Override
    public void saveTrained(Path target) throws IOException {
        if (lora.isPresent()) {
            PeftAdapter.save(this, target);
        } else {
            saveModel(target, SafetensorsDType.F32, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
    }

    /**
     * Every weight by Hugging Face key with its current values (merge first to export a LoRA-tuned model), produced
     * lazily for the streaming writer.
     */
    public List<TensorSource> namedWeights() {
        List<TensorSource> sources = new ArrayList<>();
        sources.add(TensorSource.of(HfWeightNames.EMBED, embedding));
        for (DecoderBlock block : blocks) {
            String l = HfWeightNames.layer(block.index());
            sources.add(TensorSource.of(l + ".input_layernorm.weight", block.inputNorm().weight()));
            for (Linear linear : block.attention().linears()) {
                addLinearSources(sources, linear);
            }
            if (block.attention().qNorm() != null) {
                sources.add(TensorSource.of(l + ".self_attn.q_norm.weight", block.attention().qNorm().weight()));
                sources.add(TensorSource.of(l + ".self_attn.k_norm.weight", block.attention().kNorm().weight()));
            }
            sources.add(TensorSource.of(l + ".post_attention_layernorm.weight", block.postAttentionNorm().weight()));
            for (Linear linear : block.mlp().linears()) {
                addLinearSources(sources, linear);
            }
        }
        sources.add(TensorSource.of(HfWeightNames.FINAL_NORM, finalNorm.weight()));
        if (!config.tieWordEmbeddings()) {
            sources.add(TensorSource.of(HfWeightNames.LM_HEAD, lmHead));
        }
        return sources;
    }

    private static void addLinearSources(List<TensorSource> sources, Linear linear) {
        sources.add(TensorSource.of(linear.path() + ".weight", linear.weight()));
        linear.bias().ifPresent(b -> sources.add(TensorSource.of(linear.path() + ".bias", b)));
    }

    /**
     * Writes the model (without adapters: call {@link #merge()} first) as a Hugging Face model directory: weights,
     * {@code config.json} with {@code torch_dtype} set, tokenizer and generation files copied. Weight files are atomic.
     */
    public void saveModel(Path target, SafetensorsDType dtype, long maxShardBytes) throws IOException {
        if (lora.isPresent()) {
            throw new IllegalStateException("the model still has LoRA adapters: merge() before saving a full model");
        }
        Files.createDirectories(target);
        SafetensorsWriter.writeModel(target, namedWeights(), dtype, maxShardBytes);
        ObjectNode configJson = (ObjectNode) JSON.readTree(Files.readString(directory.resolve("config.json")));
        configJson.put("torch_dtype", dtype.torchDtype());
        writeAtomically(target.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson));
        for (String name : COPIED_FILES) {
            Path source = directory.resolve(name);
            if (Files.isRegularFile(source) && !source.toAbsolutePath().equals(target.resolve(name).toAbsolutePath())) {
                Path temp = target.resolve("." + name + ".tmp");
                Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, target.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        rope.close();
        manager.close();
    }
}
