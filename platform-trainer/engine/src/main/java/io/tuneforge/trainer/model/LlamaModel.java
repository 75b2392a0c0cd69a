package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.LoraHost;
import io.tuneforge.trainer.model.lora.LoraWeights;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3) loaded from a Hugging Face model directory:
 * <pre>
 *   x = embed[ids]                                  (B, T, C)
 *   for each block: x = x + attn(rmsnorm(x)); x = x + mlp(rmsnorm(x))
 *   h = rmsnorm(x)                                  (B, T, C)   hiddenStates
 *   logits = h · lm_headᵀ                           (B, T, V)
 * </pre>
 * The weights come from and go to Hugging Face files through {@link HfCheckpoint}; LoRA adapters through
 * {@link PeftAdapter}. This class is the forward pass, the trainable parameters, and attaching and merging LoRA.
 */
public final class LlamaModel implements CausalLanguageModel, LoraHost {

    private static final float MASKED = -1e9f;

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

    private LlamaModel(Path directory, ModelConfig config, ModelOptions options, NDManager manager,
                       LlamaWeights weights) {
        this.directory = directory;
        this.config = config;
        this.options = options;
        this.manager = manager;
        this.embedding = weights.embedding();
        this.blocks = weights.blocks();
        this.finalNorm = weights.finalNorm();
        this.lmHead = weights.lmHead();
        this.rope = new RotaryEmbedding(manager, config);
    }

    /** The weights as {@link HfCheckpoint} names and writes them. */
    private LlamaWeights weights() {
        return new LlamaWeights(embedding, blocks, finalNorm, lmHead);
    }

    /** Loads config and weights of a model directory and sets up the fine-tuning mode of {@code options}. */
    public static LlamaModel load(Path directory, ModelOptions options) throws IOException {
        ModelConfig config = ModelConfig.load(directory);
        NDManager manager = NDManager.newBaseManager(options.device().toDjl());
        try {
            LlamaWeights weights = HfCheckpoint.read(directory, config, options.baseWeightType(), manager);
            LlamaModel model = new LlamaModel(directory, config, options, manager, weights);
            model.setUpFineTuning(options.fineTuning(), options.seed());
            return model;
        } catch (RuntimeException | IOException e) {
            manager.close();
            throw e;
        }
    }

    private void setUpFineTuning(FineTuning fineTuning, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        switch (fineTuning) {
            case FineTuning.None none -> {
            }
            case FineTuning.Lora l -> addLora(l.lora(), seed);
            case FineTuning.Full full -> HfCheckpoint.byName(weights(), config.tieWordEmbeddings())
                    .forEach(this::addTrainable);
            case FineTuning.Freeze freeze -> {
                if (freeze.trainableLayers() > config.numLayers()) {
                    throw new ModelConfigException("freeze tuning of the last " + freeze.trainableLayers()
                            + " layers, but the model has only " + config.numLayers());
                }
                blocks.subList(config.numLayers() - freeze.trainableLayers(), config.numLayers())
                        .forEach(block -> HfCheckpoint.byName(block).forEach((name, weight) -> {
                            if (freeze.trains(name)) {
                                addTrainable(name, weight);
                            }
                        }));
            }
        }
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
    @Override
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
            this.trainable.add(new NamedParameter(PeftAdapter.key(linear.path(), PeftAdapter.LORA_A), w.a()));
            this.trainable.add(new NamedParameter(PeftAdapter.key(linear.path(), PeftAdapter.LORA_B), w.b()));
        }
    }

    /** The linears a LoRA config targets, layer by layer in PEFT's module order. */
    @Override
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
    @Override
    public Optional<LoraConfig> loraConfig() {
        return lora;
    }

    /**
     * Runs the base model alone until the returned handle is closed: every LoRA update is switched off (PEFT's
     * {@code disable_adapter()}), so the frozen base serves as the reference model of preference training without a
     * second copy in memory.
     */
    public BaseOnly adaptersDisabled() {
        linears().values().forEach(l -> l.enableLora(false));
        return () -> linears().values().forEach(l -> l.enableLora(true));
    }

    /** The scope of {@link #adaptersDisabled()}; closing it switches the adapters back on. */
    public interface BaseOnly extends AutoCloseable {
        @Override
        void close();
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
    @Override
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
        return LinearKernel.project(step, hidden, lmHead);                                        // (..., V)
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
        return HfCheckpoint.tensors(weights(), config.tieWordEmbeddings());
    }

    /**
     * Writes the model (without adapters: call {@link #merge()} first) as a Hugging Face model directory: weights,
     * {@code config.json} with {@code torch_dtype} set, tokenizer and generation files copied. Weight files are atomic.
     */
    public void saveModel(Path target, SafetensorsDType dtype, long maxShardBytes) throws IOException {
        if (lora.isPresent()) {
            throw new IllegalStateException("the model still has LoRA adapters: merge() before saving a full model");
        }
        HfCheckpoint.write(directory, target, namedWeights(), dtype, maxShardBytes);
    }

    @Override
    public void close() {
        rope.close();
        manager.close();
    }
}
