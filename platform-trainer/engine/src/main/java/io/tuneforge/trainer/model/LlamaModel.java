package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.model.bottleneck.BottleneckAdapters;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.oft.OftAdapter;
import io.tuneforge.trainer.model.oft.OftConfig;
import io.tuneforge.trainer.model.oft.OftHost;
import io.tuneforge.trainer.model.oft.OftWeights;
import io.tuneforge.trainer.model.lora.LoraHost;
import io.tuneforge.trainer.model.lora.LoraWeights;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.lora.Pissa;
import io.tuneforge.trainer.model.prefix.PeftPrefixTuning;
import io.tuneforge.trainer.model.prefix.PrefixConfig;
import io.tuneforge.trainer.model.prefix.PrefixEncoder;
import io.tuneforge.trainer.model.prefix.PrefixShape;
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
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import tools.jackson.databind.node.ObjectNode;

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
public final class LlamaModel implements CausalLanguageModel, LoraHost, OftHost {

    private final Path directory;
    private final ModelConfig config;
    private final ModelOptions options;
    /** NEFTune's alpha while training; 0 is off. */
    private double neftuneNoiseAlpha;
    /** Gradient checkpointing of the decoder blocks while training, or null when off. */
    private CheckpointedBlocks checkpointed;
    private final NDManager manager;
    private NDArray embedding;               // (V, C) float32, or null while held in bf16
    private final List<DecoderBlock> blocks;
    private final RmsNorm finalNorm;
    private NDArray lmHead;                  // (V, C) float32, the embedding when tied; null while held in bf16
    /** The embedding held in bfloat16 (frozen, DD041), or null when it is the float32 {@code embedding}. */
    private Bf16WeightStore.Weight embeddingBf16;
    /** The LM head held in bfloat16 ({@code embeddingBf16} when tied), or null when it is {@code lmHead}. */
    private Bf16WeightStore.Weight lmHeadBf16;
    private final RotaryEmbedding rope;
    private final NDArray embedScale;        // () Gemma's √C in the checkpoint's dtype, else null
    private final NDArray logitSoftcap;      // () Gemma 2's final_logit_softcapping, else null
    private final ComputeKernels kernels;
    private final List<NamedParameter> trainable = new ArrayList<>();
    private Optional<LoraConfig> lora = Optional.empty();
    /** {@code pissa_convert}: a PiSSA adapter is saved as the ordinary LoRA it amounts to. */
    private boolean convertPissa;
    private Optional<OftConfig> oft = Optional.empty();
    private Optional<PrefixConfig> prefixConfig = Optional.empty();
    private PrefixEncoder prefix;                // prefix tuning's trained prefix, else null
    private BottleneckAdapters bottleneck;       // bottleneck adapters, else null

    private LlamaModel(Path directory, ModelConfig config, ModelOptions options, NDManager manager,
                       LlamaWeights weights, ComputeKernels kernels) {
        this.kernels = kernels;
        this.directory = directory;
        this.config = config;
        this.options = options;
        this.manager = manager;
        this.embedding = weights.embedding();
        this.blocks = weights.blocks();
        this.finalNorm = weights.finalNorm();
        this.lmHead = weights.lmHead();
        this.embeddingBf16 = weights.embeddingBf16();
        this.lmHeadBf16 = weights.lmHeadBf16();
        this.rope = new RotaryEmbedding(manager, config);
        this.embedScale = config.architecture().isGemma()
                ? manager.full(new Shape(), embeddingScale(config), DataType.FLOAT32) : null;
        this.logitSoftcap = config.gemma().flatMap(g -> g.finalLogitSoftcapping().isPresent()
                ? Optional.of(manager.full(new Shape(), (float) g.finalLogitSoftcapping().getAsDouble(), DataType.FLOAT32))
                : Optional.empty()).orElse(null);
    }

    /**
     * Gemma's embedding multiplier √C as transformers computes it: a tensor in the model's dtype, so √C rounded to
     * bfloat16 / float16 for checkpoints saved in those.
     */
    static float embeddingScale(ModelConfig config) {
        float root = (float) Math.sqrt(config.hiddenSize());
        return switch (config.torchDtype()) {
            case "bfloat16" -> {
                int bits = Float.floatToRawIntBits(root);
                int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;           // round to nearest even
                yield Float.intBitsToFloat(rounded);
            }
            case "float16" -> Float.float16ToFloat(Float.floatToFloat16(root));
            default -> root;
        };
    }

    /** The weights as {@link HfCheckpoint} names and writes them (the embedding and LM head in float32). */
    private LlamaWeights weights() {
        widenEmbedding();
        return new LlamaWeights(embedding, blocks, finalNorm, lmHead);
    }

    /**
     * Gives a bf16-held embedding and LM head float32 arrays (exact widening) and computes with those from now on:
     * for whatever needs them as arrays (training one whole, writing the model, callers of {@link #lmHeadWeight}).
     * The bf16 copies stay in the store; nothing happens when they are float32 already.
     */
    private void widenEmbedding() {
        if (embeddingBf16 != null) {
            embedding = embeddingBf16.widen(manager);                                          // (V, C)
            embeddingBf16 = null;
        }
        if (lmHeadBf16 != null) {
            lmHead = config.tieWordEmbeddings() ? embedding : lmHeadBf16.widen(manager);      // (V, C)
            lmHeadBf16 = null;
        }
    }

    /** Whether the embedding and LM head are held in bfloat16 (frozen), with no float32 copy. */
    public boolean embeddingHeldInBf16() {
        return embeddingBf16 != null;
    }

    /** Loads config and weights of a model directory and sets up the fine-tuning mode of {@code options}. */
    public static LlamaModel load(Path directory, ModelOptions options) throws IOException {
        ModelConfig config = ModelConfig.load(directory);
        NDManager manager = NDManager.newBaseManager(options.device().toDjl());
        ComputeKernels kernels = null;
        try {
            kernels = ComputeKernels.create(manager, options);
            LlamaWeights weights = HfCheckpoint.read(directory, config, options.baseWeightType(), manager, kernels);
            LlamaModel model = new LlamaModel(directory, config, options, manager, weights, kernels);
            model.setUpFineTuning(options.fineTuning(), options.seed());
            return model;
        } catch (RuntimeException | IOException e) {
            if (kernels != null) {
                kernels.close();
            }
            manager.close();
            throw e;
        }
    }

    private void setUpFineTuning(FineTuning fineTuning, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        switch (fineTuning) {
            case FineTuning.None none -> {
            }
            case FineTuning.Lora l -> {
                convertPissa = l.convertPissa();
                addLora(l.lora(), seed);
            }
            case FineTuning.Oft o -> addOft(o.oft());
            case FineTuning.Prefix p -> attachPrefix(p.prefix(), PrefixEncoder.initialise(manager, prefixShape(),
                    p.prefix(), new SplittableRandom(seed)), true);
            case FineTuning.Bottleneck b -> attachBottleneck(BottleneckAdapters.initialise(manager, b.adapter(),
                    config.numLayers(), config.hiddenSize(), seed), true);
            case FineTuning.Full full -> HfCheckpoint.byName(weights(), config.tieWordEmbeddings())
                    .forEach(this::addTrainable);
            case FineTuning.Freeze freeze -> addFreezeTrainable(freeze);
        }
    }

    /** Freeze tuning: the chosen modules of the chosen blocks, then the named modules outside the blocks. */
    private void addFreezeTrainable(FineTuning.Freeze freeze) {
        for (int layer : freeze.layerIds(config.numLayers())) {
            HfCheckpoint.byName(blocks.get(layer)).forEach((name, weight) -> {
                if (freeze.trains(HfWeightNames.asTransformers5Module(name))) {
                    addTrainable(name, weight);
                }
            });
        }
        if (trainable.isEmpty()) {
            throw new ModelConfigException("freeze_trainable_modules " + freeze.trainableModules()
                    + " names no weight of " + freeze.describeLayers() + " layers of this "
                    + config.architecture().hfName() + (config.moe().isPresent() ? " (its sparse layers are "
                    + sparseBlocks().sequencedKeySet() + ")" : ""));
        }
        for (String module : freeze.extraModules()) {
            if (config.tieWordEmbeddings() && module.equals("lm_head")) {
                throw new ModelConfigException("freeze_extra_modules lm_head: this model ties lm_head to embed_tokens "
                        + "(tie_word_embeddings), so it has no lm_head of its own; name embed_tokens, which trains both");
            }
            switch (module) {
                case "embed_tokens" -> addTrainable(HfWeightNames.EMBED, embedding);
                case "lm_head" -> addTrainable(HfWeightNames.LM_HEAD, lmHead);
                default -> addTrainable(HfWeightNames.FINAL_NORM, finalNorm.weight());
            }
        }
    }

    private void addTrainable(String name, NDArray array) {
        array.setRequiresGradient(true);
        trainable.add(new NamedParameter(name, array));
    }

    /**
     * Starts a new trainable adapter on a model loaded without one (after merging a previous adapter:
     * {@code create_new_adapter}), with the fine-tuning's PiSSA conversion setting.
     */
    public void startLora(FineTuning.Lora fineTuning, long seed) {
        if (lora.isPresent()) {
            throw new IllegalStateException("the model already has a LoRA adapter: merge() it first");
        }
        convertPissa = fineTuning.convertPissa();
        addLora(fineTuning.lora(), seed);
    }

    /**
     * Attaches fresh LoRA adapters (A Kaiming-uniform from {@code seed}, B zero) to the configured modules of every
     * layer and makes them the trainable parameters.
     */
    public void addLora(LoraConfig requested, long seed) {
        LoraConfig loraConfig = forThisFamily(requested);
        SplittableRandom random = new SplittableRandom(seed);
        for (Linear linear : loraTargets(loraConfig)) {
            if (loraConfig.isPissa()) {
                // DoRA's magnitude starts at the row norms of the ORIGINAL weight = ‖W_res + s·B₀·A₀‖, as in PEFT
                NDArray magnitude = loraConfig.useDora() ? LoraWeights.rowNorms(manager, linear.weight()) : null;
                Pissa.Init init = pissaResidual(linear, loraConfig, random.split());
                linear.attachLora(LoraWeights.pissa(init.a(), init.b(), magnitude, loraConfig));
                continue;
            }
            LoraWeights weights = LoraWeights.initialise(manager, linear.inFeatures(), linear.outFeatures(),
                    loraConfig, random.split());
            if (loraConfig.useDora()) {
                NDArray base = linear.weight();                                               // (out, in)
                weights.initialiseMagnitude(base);
                if (linear.heldQuantized()) {
                    base.close();                                  // a dequantized copy made for the norm
                }
            }
            linear.attachLora(weights);
        }
        registerLora(loraConfig, true);
    }

    /** Attaches fresh OFT rotations (zero: R = I) to the configured linears and makes them the trainable parameters. */
    public void addOft(OftConfig requested) {
        OftConfig oftConfig = oftForThisFamily(requested);
        for (Linear linear : oftTargets(oftConfig)) {
            linear.attachOft(OftWeights.initialise(manager, linear.inFeatures(), oftConfig));
        }
        registerOft(oftConfig, true);
    }

    /**
     * Attaches OFT rotations with given weights ({@code oft_R.weight} by module path, float32 in the model's
     * manager); used by {@link OftAdapter#load}. Trainable when {@code trainable}.
     */
    @Override
    public void attachOft(OftConfig requested, Map<String, NDArray> weightsByModule, boolean trainable) {
        OftConfig oftConfig = oftForThisFamily(requested);
        for (Linear linear : oftTargets(oftConfig)) {
            NDArray w = weightsByModule.get(linear.path());
            if (w == null) {
                throw new ModelConfigException("OFT adapter has no oft_R.weight for module '" + linear.path() + "'");
            }
            linear.attachOft(OftWeights.of(w, linear.inFeatures(), oftConfig, linear.path()));
        }
        registerOft(oftConfig, trainable);
    }

    private void registerOft(OftConfig oftConfig, boolean trainable) {
        this.oft = Optional.of(oftConfig);
        this.trainable.clear();
        if (!trainable) {
            return;
        }
        for (Linear linear : oftTargets(oftConfig)) {
            OftWeights w = linear.oft().orElseThrow();
            w.setTrainable(true);
            this.trainable.add(new NamedParameter(OftAdapter.key(linear.path()), w.weight()));
        }
    }

    /** The linears an OFT config targets, layer by layer in PEFT's module order. */
    @Override
    public List<Linear> oftTargets(OftConfig requested) {
        OftConfig oftConfig = oftForThisFamily(requested);
        List<Linear> out = new ArrayList<>();
        for (DecoderBlock block : blocks) {
            allLinears(block).stream().filter(l -> oftConfig.targets(l.path())).forEach(out::add);
        }
        if (out.isEmpty()) {
            throw new ModelConfigException("OFT target " + String.join(",", oftConfig.targetModules())
                    + " matches none of this model's linear layers (e.g. model.layers.0.self_attn.q_proj)");
        }
        return out;
    }

    /** "all" (the Llama module list) as this family names its linears (Phi-3's fused ones). */
    private OftConfig oftForThisFamily(OftConfig requested) {
        List<String> modules = HfWeightNames.linearModules(config);
        if (!requested.isPattern() && !modules.equals(HfWeightNames.LINEAR_MODULES)
                && Set.copyOf(requested.targetModules()).equals(Set.copyOf(HfWeightNames.LINEAR_MODULES))) {
            return requested.withTargetModules(modules);
        }
        return requested;
    }

    /** The attached OFT configuration, if any. */
    @Override
    public Optional<OftConfig> oftConfig() {
        return oft;
    }

    /**
     * PiSSA on one linear (PEFT's {@code pissa_init}): the principal factors of its weight become A and B, and the base
     * weight is replaced by the residual W − s·B·A.
     */
    private Pissa.Init pissaResidual(Linear linear, LoraConfig loraConfig, SplittableRandom random) {
        if (linear.heldInBf16()) {
            throw new ModelConfigException(linear.path() + ": PiSSA changes the base weight, which a base held in "
                    + "bf16 cannot take: train PiSSA without bf16 (pure float32 base)");
        }
        NDArray weight = linear.weight();
        Pissa.Factors factors = Pissa.principal(weight, loraConfig.rank(), Pissa.iterations(loraConfig.initLoraWeights()),
                random);
        Pissa.Init init = Pissa.initialise(manager, weight, factors, loraConfig.scaling());
        linear.replaceWeight(init.residual());
        return init;
    }

    /**
     * Replaces the base weights of a PiSSA adapter's targets by their residuals, as PEFT does when it loads an adapter
     * whose {@code init_lora_weights} is "pissa…" (it runs the initialisation, then loads A and B over it): with
     * "pissa" (full SVD) the residual is the one training used; with "pissa_niter_N" it is as close as N iterations
     * get, as in PEFT.
     */
    @Override
    public void preparePissaBase(LoraConfig requested) {
        LoraConfig loraConfig = forThisFamily(requested);
        SplittableRandom random = new SplittableRandom(options.seed());
        for (Linear linear : loraTargets(loraConfig)) {
            Pissa.Init init = pissaResidual(linear, loraConfig, random.split());
            init.a().close();
            init.b().close();
        }
    }

    /**
     * Attaches LoRA adapters with given weights (A (r, in), B (out, r) by module path); used by
     * {@link PeftAdapter#load}. Trainable when {@code trainable} (continuing to train an adapter).
     */
    @Override
    public void attachLora(LoraConfig requested, Map<String, NDArray[]> weightsByModule, boolean trainable) {
        LoraConfig loraConfig = forThisFamily(requested);
        for (Linear linear : loraTargets(loraConfig)) {
            NDArray[] ab = weightsByModule.get(linear.path());
            if (ab == null) {
                throw new ModelConfigException("adapter has no lora_A/lora_B for module '" + linear.path() + "'");
            }
            if (loraConfig.useDora() && (ab.length < 3 || ab[2] == null)) {
                throw new ModelConfigException("DoRA adapter has no lora_magnitude_vector for module '"
                        + linear.path() + "'");
            }
            linear.attachLora(loraConfig.useDora() ? LoraWeights.dora(ab[0], ab[1], ab[2], loraConfig)
                    : LoraWeights.of(ab[0], ab[1], loraConfig));
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
            w.magnitude().ifPresent(m -> this.trainable.add(
                    new NamedParameter(PeftAdapter.magnitudeKey(linear.path()), m)));
        }
        modulesToSave(loraConfig).forEach((module, weight) -> {
            weight.setRequiresGradient(true);
            this.trainable.add(new NamedParameter(PeftAdapter.wholeModuleKey(module), weight));
        });
    }

    /**
     * {@code additional_target}: the embedding, LM head or final norm, trained whole beside the adapters (PEFT's
     * modules_to_save). A model whose LM head is its embedding (tie_word_embeddings) cannot train either alone.
     */
    @Override
    public SequencedMap<String, NDArray> modulesToSave(LoraConfig loraConfig) {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        if (loraConfig.modulesToSave().contains("embed_tokens") || loraConfig.modulesToSave().contains("lm_head")) {
            widenEmbedding();                      // an adapter trained them whole: they become float32 arrays
        }
        for (String module : loraConfig.modulesToSave()) {
            if (config.tieWordEmbeddings() && (module.equals("embed_tokens") || module.equals("lm_head"))) {
                throw new ModelConfigException("additional_target " + module + ": this model ties lm_head to "
                        + "embed_tokens (tie_word_embeddings), so one cannot train apart from the other; PEFT would "
                        + "untie them silently. Remove " + module + " from additional_target");
            }
            switch (module) {
                case "embed_tokens" -> out.put(strip(HfWeightNames.EMBED), embedding);
                case "lm_head" -> out.put(strip(HfWeightNames.LM_HEAD), lmHead);
                case "norm" -> out.put(strip(HfWeightNames.FINAL_NORM), finalNorm.weight());
                default -> throw new ModelConfigException("additional_target " + module + " is not supported");
            }
        }
        return out;
    }

    /** {@code model.embed_tokens} of {@code model.embed_tokens.weight}. */
    private static String strip(String weightKey) {
        return weightKey.substring(0, weightKey.length() - ".weight".length());
    }

    /** The sizes of this model's prefix as PEFT derives them: layers, key/value heads, head width. */
    public PrefixShape prefixShape() {
        return new PrefixShape(config.numLayers(), config.numKvHeads(), config.headDim());
    }

    /**
     * Makes {@code encoder} the model's prefix (prefix tuning), its parameters the trainable ones when
     * {@code trainable}. Refused for layers whose positions or windows a prefix would break (Gemma's sliding layers,
     * sliding-window attention, Phi-3's longrope that recomputes the cache).
     */
    public void attachPrefix(PrefixConfig settings, PrefixEncoder encoder, boolean trainable) {
        if (config.architecture().isGemma() || config.slidingWindow().isPresent() || rope.canInvalidateCache()) {
            throw new ModelConfigException("prefix tuning is not supported for a " + config.architecture().hfName()
                    + " with sliding-window attention or longrope: use lora or adapter");
        }
        requireNoAdapter();
        this.prefix = encoder;
        this.prefixConfig = Optional.of(settings);
        this.trainable.clear();
        encoder.setTrainable(trainable);
        if (trainable) {
            encoder.parameters().forEach(this::addTrainableAdapterWeight);
        }
    }

    /** Puts bottleneck adapters into every decoder block, trainable when {@code trainable}. */
    public void attachBottleneck(BottleneckAdapters adapters, boolean trainable) {
        requireNoAdapter();
        this.bottleneck = adapters;
        for (DecoderBlock block : blocks) {
            block.adapters(adapters.afterAttention(block.index()).orElse(null), adapters.afterMlp(block.index()));
        }
        this.trainable.clear();
        adapters.setTrainable(trainable);
        if (trainable) {
            adapters.parameters().forEach(this::addTrainableAdapterWeight);
        }
    }

    private void addTrainableAdapterWeight(String name, NDArray array) {
        trainable.add(new NamedParameter(name, array));
    }

    private void requireNoAdapter() {
        if (lora.isPresent() || prefix != null || bottleneck != null) {
            throw new IllegalStateException("the model already has an adapter");
        }
    }

    /** Whether an adapter (LoRA, prefix or bottleneck) sits on the frozen base, so switching it off gives the base. */
    public boolean hasAdapter() {
        return lora.isPresent() || oft.isPresent() || prefix != null || bottleneck != null;
    }

    /** The prefix-tuning settings, if the model has a prefix. */
    public Optional<PrefixConfig> prefixConfig() {
        return prefixConfig;
    }

    /** The bottleneck adapters' settings, if the model has them. */
    public Optional<BottleneckConfig> bottleneckConfig() {
        return Optional.ofNullable(bottleneck).map(BottleneckAdapters::config);
    }

    /** The linears a LoRA config targets, layer by layer in PEFT's module order. */
    @Override
    public List<Linear> loraTargets(LoraConfig requested) {
        LoraConfig loraConfig = forThisFamily(requested);
        List<Linear> targets = new ArrayList<>();
        for (DecoderBlock block : blocks) {
            for (Linear linear : allLinears(block)) {
                if (loraConfig.targets(linear.path())) {
                    targets.add(linear);
                }
            }
        }
        if (targets.isEmpty()) {
            throw new ModelConfigException("LoRA target " + describe(loraConfig) + " matches none of this "
                    + config.architecture().hfName() + "'s linear modules (paths such as "
                    + blocks.getFirst().attention().linears()[0].path() + ")");
        }
        return targets;
    }

    private static String describe(LoraConfig loraConfig) {
        return loraConfig.isPattern() ? "pattern '" + loraConfig.targetModules().getFirst() + "'"
                : String.join(",", loraConfig.targetModules());
    }

    /**
     * The LoRA config with targets as this family names them: "all" (parsed as the Llama module list) becomes the
     * family's own list (Phi-3: qkv_proj, o_proj, gate_up_proj, down_proj); a name the family lacks fails.
     */
    private LoraConfig forThisFamily(LoraConfig requested) {
        List<String> modules = HfWeightNames.linearModules(config);
        List<String> targets = requested.targetModules();
        if (requested.isPattern()) {
            for (String outside : List.of(HfWeightNames.LM_HEAD, HfWeightNames.EMBED)) {
                String module = outside.substring(0, outside.length() - ".weight".length());
                if (requested.targets(module)) {
                    throw new ModelConfigException("LoRA target pattern '" + targets.getFirst() + "' matches "
                            + module + ": TuneForge puts LoRA on the decoder's linear layers only; train " + module
                            + " whole with additional_target");
                }
            }
            return requested;
        }
        if (!modules.equals(HfWeightNames.LINEAR_MODULES)
                && Set.copyOf(targets).equals(Set.copyOf(HfWeightNames.LINEAR_MODULES))) {
            return requested.withTargetModules(modules);
        }
        List<String> allowed = new ArrayList<>(modules);
        allowed.addAll(HfWeightNames.routerModules(config));
        List<String> foreign = targets.stream().filter(m -> !allowed.contains(LoraConfig.moduleName(m))).toList();
        if (!foreign.isEmpty()) {
            throw new ModelConfigException("LoRA target module(s) " + foreign + " do not exist in a "
                    + config.architecture().hfName() + "; its linear modules are " + String.join(", ", allowed));
        }
        return requested;
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

    /** The sparse blocks by layer index, in layer order; empty for a dense model. */
    public SequencedMap<Integer, SparseMoe> sparseBlocks() {
        SequencedMap<Integer, SparseMoe> out = new LinkedHashMap<>();
        for (DecoderBlock block : blocks) {
            if (block.mlp() instanceof SparseMoe moe) {
                out.put(block.index(), moe);
            }
        }
        return out;
    }

    /**
     * {@link RouterLoss#loadBalancing} over the router logits of the last forward (the batch just computed), or empty
     * for a dense model.
     *
     * @param tokenMask (B·T) 1 for real tokens, 0 for padding, or null
     */
    @Override
    public Optional<NDArray> routerAuxiliaryLoss(NDManager step, NDArray tokenMask) {
        if (config.moe().isEmpty()) {
            return Optional.empty();
        }
        List<NDArray> logits = sparseBlocks().values().stream().map(m -> m.lastRouting().logits()).toList();
        return Optional.of(RouterLoss.loadBalancing(step, logits, config.moe().get().numExperts(),
                config.moe().get().topK(), tokenMask));
    }

    @Override
    public double routerAuxLossCoefficient(double requested) {
        return config.moe().map(m -> requested > 0 ? requested : m.outputRouterLogits() ? m.routerAuxLossCoef() : 0)
                .orElse(0.0);
    }

    /**
     * Per sparse layer, the share of the last forward's routed slots each expert received ({@code moe/expert_load/
     * layer_N/expert_E}, summing to 1 per layer); empty for a dense model.
     */
    @Override
    public SequencedMap<String, Double> expertLoad() {
        SequencedMap<String, Double> out = new LinkedHashMap<>();
        sparseBlocks().forEach((layer, moe) -> {
            long[] load = moe.lastRouting() == null ? new long[0] : moe.lastRouting().tokensPerExpert();
            long total = java.util.Arrays.stream(load).sum();
            for (int e = 0; e < load.length && total > 0; e++) {
                out.put("moe/expert_load/layer_" + layer + "/expert_" + e, load[e] / (double) total);
            }
        });
        return out;
    }

    /** The attached LoRA configuration, if any. */
    @Override
    public Optional<LoraConfig> loraConfig() {
        return lora;
    }

    @Override
    public boolean convertsPissaOnSave() {
        return convertPissa;
    }

    /**
     * Runs the base model alone until the returned handle is closed: every LoRA update is switched off (PEFT's
     * {@code disable_adapter()}), so the frozen base serves as the reference model of preference training without a
     * second copy in memory.
     */
    public BaseOnly adaptersDisabled() {
        switchAdapters(false);
        return () -> switchAdapters(true);
    }

    private void switchAdapters(boolean on) {
        linears().values().forEach(l -> l.enableLora(on));
        if (prefix != null) {
            prefix.enable(on);
        }
        if (bottleneck != null) {
            bottleneck.enable(on);
        }
    }

    /** The scope of {@link #adaptersDisabled()}; closing it switches the adapters back on. */
    public interface BaseOnly extends AutoCloseable {
        @Override
        void close();
    }

    /** Folds every LoRA adapter into its base weight (W + s·B·A); afterwards the model has no adapter. */
    public void merge() {
        requireMergeable();
        for (Linear linear : linears().values()) {
            linear.merge();
        }
        lora = Optional.empty();
        oft = Optional.empty();
        trainable.clear();
    }

    /**
     * Fails when the model's adapter cannot be folded into the weights: a prefix adds attention positions and a
     * bottleneck adapter a non-linear layer, so neither has a merged form; they stay beside the base.
     */
    public void requireMergeable() {
        if (prefix != null || bottleneck != null) {
            throw new IllegalStateException(notMergeableReason(prefix != null ? "prefix" : "adapter"));
        }
    }

    /** Why an adapter of {@code finetuningType} (prefix, adapter) cannot be merged into the weights. */
    public static String notMergeableReason(String finetuningType) {
        return finetuningType.equals("prefix")
                ? "a prefix-tuning adapter cannot be merged into the model's weights (it adds attention positions, "
                        + "not a weight change): use it beside the base model"
                : "bottleneck adapters cannot be merged into the model's weights (they add a non-linear layer, not a "
                        + "weight change): use them beside the base model";
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

    /**
     * The size of a quantized base's decoder linears.
     *
     * @param bytes      bytes of their codes and scales, as libtorch counts the stored tensors
     * @param parameters their weights (elements)
     */
    public record QuantizedSize(long bytes, long parameters) {

        /** Bytes against the same weights in bf16 (2 bytes each). */
        public double ofBf16() {
            return bytes / (2.0 * parameters);
        }
    }

    /** With a quantized base: the size of its decoder linears; empty otherwise. */
    public java.util.Optional<QuantizedSize> quantizedBase() {
        if (kernels == null || kernels.quantized() == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new QuantizedSize(kernels.quantized().bytes(), kernels.quantized().parameters()));
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training, KvCache cache) {
        int t = (int) inputIds.getShape().get(1);
        int offset = cache == null ? 0 : cache.length();
        if (cache != null && rope.invalidatesCache(offset, t)) {
            return recomputed(step, inputIds, cache, all -> hiddenStates(step, all, training, cache));
        }
        NDArray mask = onModelDevice(step, causalMask(step, t, offset));                     // (T, S)
        return forward(step, inputIds, training, cache, mask, offset, null);
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, KvCache cache, int[] leftPadding) {
        int b = (int) inputIds.getShape().get(0);
        int t = (int) inputIds.getShape().get(1);
        if (leftPadding.length != b) {
            throw new IllegalArgumentException("leftPadding has " + leftPadding.length + " rows, the batch " + b);
        }
        int offset = cache.length();
        if (rope.invalidatesCache(offset, t)) {
            return recomputed(step, inputIds, cache, all -> hiddenStates(step, all, cache, leftPadding));
        }
        NDArray mask = onModelDevice(step, paddedCausalMask(step, t, offset, leftPadding)); // (B, 1, 1, T, S)
        return forward(step, inputIds, false, cache, mask, offset, leftPadding);
    }

    /** The decoder stack over {@code inputIds} with an additive attention mask broadcastable to (B, KV, G, T, S). */
    private NDArray forward(NDManager step, NDArray inputIds, boolean training, KvCache cache, NDArray mask,
            int offset, int[] leftPadding) {
        int t = (int) inputIds.getShape().get(1);
        NDArray ids = onModelDevice(step, inputIds.getDataType() == DataType.INT64
                ? inputIds : own(step, inputIds.toType(DataType.INT64, false)));              // (B, T)
        NDArray x = embeddingBf16 != null ? embeddingBf16.lookup(step, ids)                  // (B, T, C)
                : own(step, embedding.get(new NDIndex("{}", ids)));                          // (B, T, C)
        if (training && neftuneNoiseAlpha > 0) {
            x = Neftune.addNoise(step, x, neftuneNoiseAlpha);                                // (B, T, C)
        }
        if (embedScale != null) {
            x = own(step, x.mul(embedScale));                                                // Gemma: ·√C
        }
        if (prefix != null && prefix.enabled()) {
            return finalNorm.forward(step, prefixedLayers(step, x, ids, training, cache, mask, offset, leftPadding));
        }
        if (checkpointed != null && training && cache == null && GradMode.isEnabled()) {
            x = checkpointed.forward(step, x, rope, mask, hasDropout(),
                    embedding != null && embedding.hasGradient()); // (B, T, C)
        } else {
            for (DecoderBlock block : blocks) {
                x = block.forward(step, x, rope, mask, cache, offset, training);            // (B, T, C)
            }
        }
        if (cache != null) {
            cache.advance(ids);
        }
        return finalNorm.forward(step, x);                                                   // (B, T, C)
    }

    /**
     * The decoder stack with prefix tuning's virtual tokens: every layer attends to its P prefix keys and values
     * first (the mask gets P visible columns), and the real tokens sit at positions P + offset .., as transformers
     * numbers tokens after PEFT's prefix cache. In a left-padded batch row b's real tokens sit pad_b positions later
     * still; its prefix keys are rotated by pad_b so that each query-to-prefix score is the one the row has alone
     * (RoPE scores depend on position differences only).
     *
     * @param x (B, T, C) embedded tokens
     * @return (B, T, C) before the final norm
     */
    private NDArray prefixedLayers(NDManager step, NDArray x, NDArray ids, boolean training, KvCache cache,
                                   NDArray mask, int offset, int[] leftPadding) {
        int p = prefix.virtualTokens();
        PrefixEncoder.PastKeyValues past = prefix.pastKeyValues(step);                       // per layer (1, KV, P, hd)
        NDArray prefixedMask = withVisibleColumns(step, mask, p);                            // (.., T, P+S)
        for (DecoderBlock block : blocks) {
            NDArray keys = past.keys()[block.index()];
            if (leftPadding != null) {
                keys = rotatedPerRow(step, keys, leftPadding);                               // (B, KV, P, hd)
            }
            x = block.forward(step, x, rope, prefixedMask, cache, p + offset, training,
                    new NDArray[] {keys, past.values()[block.index()]});                    // (B, T, C)
        }
        if (cache != null) {
            cache.advance(ids);
        }
        return x;
    }

    /** {@code mask} (T, S) or (B, 1, 1, T, S) with {@code p} visible (zero) columns in front. */
    private static NDArray withVisibleColumns(NDManager step, NDArray mask, int p) {
        Shape shape = mask.getShape();
        long[] dims = shape.getShape();
        dims[dims.length - 1] = p;
        NDArray visible = step.zeros(new Shape(dims), mask.getDataType(), mask.getDevice());
        return own(step, visible.concat(mask, dims.length - 1));
    }

    /** Row b of the shared prefix keys (1, KV, P, hd) rotated by RoPE position {@code leftPadding[b]}. */
    private NDArray rotatedPerRow(NDManager step, NDArray keys, int[] leftPadding) {
        long kv = keys.getShape().get(1);
        long p = keys.getShape().get(2);
        long hd = keys.getShape().get(3);
        NDList rows = new NDList();
        NDArray asPositions = keys.reshape(1, kv * p, 1, hd);                                // (1, KV·P, 1, hd)
        for (int pad : leftPadding) {
            NDArray row = pad == 0 ? keys : rope.apply(step, asPositions, pad).reshape(1, kv, p, hd);
            rows.add(row);                                                                   // (1, KV, P, hd)
        }
        return own(step, ai.djl.ndarray.NDArrays.concat(rows, 0));                          // (B, KV, P, hd)
    }

    /**
     * Phi-3's longrope as transformers' generate applies it: when a cached sequence first grows past the pretraining
     * context, the cached positions were rotated with the short factors, so the cache is dropped and the whole
     * sequence recomputed (with the long factors). Returns the hidden states of the new tokens only.
     */
    private NDArray recomputed(NDManager step, NDArray inputIds, KvCache cache, UnaryOperator<NDArray> fromStart) {
        int t = (int) inputIds.getShape().get(1);
        NDArray ids = onModelDevice(step, inputIds.getDataType() == DataType.INT64
                ? inputIds : own(step, inputIds.toType(DataType.INT64, false)));              // (B, T)
        NDArray all = own(step, cache.ids().concat(ids, 1));                                 // (B, S + T)
        cache.clear();
        NDArray hidden = fromStart.apply(all);                                               // (B, S + T, C)
        return hidden.get(new NDIndex(":, {}:, :", hidden.getShape().get(1) - t));          // (B, T, C)
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
        return CausalMask.build(step, t, offset, config.slidingWindow().orElse(Integer.MAX_VALUE));
    }

    /**
     * Additive mask (B, 1, 1, T, S), S = offset + T: the causal mask of {@link #causalMask} with, in addition, row
     * b's first {@code leftPadding[b]} keys hidden (its padding). A padding query sees only padding and attends to it
     * uniformly (the mask is finite); its output is never read.
     */
    private NDArray paddedCausalMask(NDManager step, int t, int offset, int[] leftPadding) {
        int s = offset + t;
        int window = config.slidingWindow().orElse(Integer.MAX_VALUE);
        float[] mask = new float[leftPadding.length * t * s];
        for (int b = 0; b < leftPadding.length; b++) {
            for (int i = 0; i < t; i++) {
                int position = offset + i;
                for (int j = 0; j < s; j++) {
                    boolean visible = j >= leftPadding[b] && j <= position && position - j < window;
                    mask[(b * t + i) * s + j] = visible ? 0f : CausalMask.MASKED;
                }
            }
        }
        return step.create(mask, new Shape(leftPadding.length, 1, 1, t, s));
    }

    @Override
    public void neftuneNoiseAlpha(double alpha) {
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("neftune_noise_alpha must be a number >= 0, got " + alpha);
        }
        this.neftuneNoiseAlpha = alpha;
    }

    /** Whether training draws random numbers inside the blocks (LoRA dropout). */
    private boolean hasDropout() {
        return lora.map(l -> l.dropout() > 0).orElse(false);
    }

    @Override
    public void gradientCheckpointing(boolean on) {
        this.checkpointed = on ? new CheckpointedBlocks(blocks) : null;
    }

    @Override
    public void backward(GradientCollector collector, NDArray loss) {
        if (checkpointed == null) {
            collector.backward(loss);
        } else {
            checkpointed.backward(collector, loss);
        }
    }

    /**
     * The LM head as a float32 array; a head held in bf16 is widened once for it and computed in float32 from then on
     * (the trainers' own loss goes through {@link #vocabularyProjection} and never asks).
     */
    @Override
    public NDArray lmHeadWeight() {
        widenEmbedding();
        return lmHead;
    }

    @Override
    public DataType lossType() {
        return DataType.FLOAT32;
    }

    @Override
    public NDArray logits(NDManager step, NDArray hidden) {
        NDArray logits = lmHeadBf16 != null ? lmHeadBf16.project(step, hidden)                 // (..., V) bf16 weight
                : kernels.autocast() != null
                ? kernels.autocast().call(step, hidden, lmHead)                                   // (..., V) bf16 product
                : LinearKernel.project(step, hidden, lmHead);                                     // (..., V)
        return logitSoftcap == null ? logits : softcap(step, logits);
    }

    /** Gemma 2's final soft-capping {@code cap·tanh(logits/cap)}; the identity for other families. */
    @Override
    public NDArray softcap(NDManager step, NDArray logits) {
        if (logitSoftcap == null) {
            return logits;
        }
        return own(step, logits.div(logitSoftcap).tanh().mul(logitSoftcap));                     // (..., V)
    }

    /**
     * In bf16 the LM head is computed in bfloat16: from its bf16 copy when it is frozen, else its fp32 weight cast per
     * call; the gradient reaches the rows (and a float32 head that trains).
     */
    @Override
    public UnaryOperator<NDArray> vocabularyProjection(NDManager step) {
        if (lmHeadBf16 != null) {
            Bf16WeightStore.Weight head = lmHeadBf16;
            return rows -> head.project(step, rows);                                           // (n, V)
        }
        if (kernels.autocast() != null) {
            return rows -> kernels.autocast().call(step, rows, lmHead);                          // (n, V)
        }
        return CausalLanguageModel.super.vocabularyProjection(step);
    }

    @Override
    public KvCache newCache() {
        return new KvCache(manager, config.numLayers(), rope.canInvalidateCache());
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
        if (oft.isPresent()) {
            OftAdapter.save(this, target);
        } else if (lora.isPresent()) {
            PeftAdapter.save(this, target);
        } else if (prefix != null) {
            PeftPrefixTuning.save(prefix, prefixConfig.orElseThrow(), manager, directory, target);
        } else if (bottleneck != null) {
            bottleneck.save(directory, target);
        } else {
            saveModel(target, SafetensorsDType.F32, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
    }

    /** The whole model in BF16 when no adapter trains (pure_bf16 full or freeze), else the adapter as usual. */
    @Override
    public void saveTrainedInBf16(Path target) throws IOException {
        if (oft.isPresent() || lora.isPresent() || prefix != null || bottleneck != null) {
            saveTrained(target);
        } else {
            saveModel(target, SafetensorsDType.BF16, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
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
        if (lora.isPresent() || oft.isPresent()) {
            throw new IllegalStateException("the model still has LoRA adapters: merge() before saving a full model");
        }
        requireMergeable();
        HfCheckpoint.write(directory, target, namedWeights(), dtype, maxShardBytes);
    }

    /**
     * Writes the model with a classification head as transformers saves {@code *ForSequenceClassification} (full or
     * freeze tuning of a head): every weight but the LM head, then {@code head} ({@code score.weight}), FLOAT32,
     * {@code config.json} with {@code configEntries} (architectures, num_labels, id2label, label2id) set.
     */
    public void saveSequenceClassifier(Path target, TensorSource head, ObjectNode configEntries) throws IOException {
        if (lora.isPresent() || oft.isPresent()) {
            throw new IllegalStateException("the model still has adapters: a head is saved with them (PEFT SEQ_CLS)");
        }
        requireMergeable();
        List<TensorSource> tensors = new ArrayList<>(namedWeights().stream()
                .filter(t -> !t.name().equals(HfWeightNames.LM_HEAD)).toList());
        tensors.add(head);
        HfCheckpoint.write(directory, target, tensors, SafetensorsDType.F32, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES,
                configEntries);
    }

    @Override
    public void close() {
        rope.close();
        blocks.stream().map(DecoderBlock::ownRope).filter(r -> r != null).forEach(RotaryEmbedding::close);
        kernels.close();
        manager.close();
    }
}
