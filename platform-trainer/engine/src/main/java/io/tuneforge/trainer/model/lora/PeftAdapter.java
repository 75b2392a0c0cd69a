package io.tuneforge.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * LoRA adapters in Hugging Face PEFT's interchange format, so they load in PEFT and vLLM and PEFT adapters trained
 * elsewhere load here:
 * <pre>
 *   adapter_config.json        peft_type LORA, task_type CAUSAL_LM, r, lora_alpha, target_modules, ...
 *   adapter_model.safetensors  base_model.model.&lt;module&gt;.lora_A.weight (r, in), .lora_B.weight (out, r), F32
 * </pre>
 * The one home of the format for training (attach, continue, save) and for export (the streaming merge of
 * {@code export.LoraAdapter}): file names, the key prefix and its parsing, and which settings we refuse. The scale
 * of B·A is {@link LoraConfig#scaling(double, int, boolean)}.
 */
public final class PeftAdapter {

    /** The adapter's config file. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter's weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** PEFT's task type of an adapter that carries a sequence-classification head ({@code modules_to_save} score). */
    public static final String SEQ_CLS = "SEQ_CLS";
    /** PEFT's key of a SEQ_CLS adapter's head (transformers' {@code score.weight}, (num_labels, hidden)). */
    public static final String HEAD_KEY = "base_model.model.score.weight";

    /** The modules PEFT keeps whole for a SEQ_CLS adapter: the head, under transformers' two names for it. */
    private static final java.util.Set<String> HEAD_MODULES = java.util.Set.of("classifier", "score");

    /** The A matrix (r, in) in a key. */
    public static final String LORA_A = "lora_A";
    /** The B matrix (out, r) in a key. */
    public static final String LORA_B = "lora_B";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** PEFT's prefix before a module path in every adapter key. */
    private static final String PREFIX = "base_model.model.";

    private PeftAdapter() {
    }

    /** PEFT's key for a module's A or B: {@code base_model.model.<module>.lora_A.weight}. */
    public static String key(String modulePath, String part) {
        return PREFIX + modulePath + "." + part + ".weight";
    }

    /** PEFT's key of a module trained whole (modules_to_save): {@code base_model.model.<module>.weight}. */
    public static String wholeModuleKey(String modulePath) {
        return PREFIX + modulePath + ".weight";
    }

    /** DoRA's magnitude (out) in a key. */
    public static final String MAGNITUDE = "lora_magnitude_vector";

    /** PEFT's key for a module's DoRA magnitude: {@code base_model.model.<module>.lora_magnitude_vector}. */
    public static String magnitudeKey(String modulePath) {
        return PREFIX + modulePath + "." + MAGNITUDE;
    }

    /** The same key as some tools save it, with PEFT's adapter name kept: {@code ...lora_A.default.weight}. */
    public static String namedKey(String modulePath, String part) {
        return PREFIX + modulePath + "." + part + ".default.weight";
    }

    /**
     * One tensor key of an adapter file, parsed.
     *
     * @param prefix PEFT's {@code base_model.model.} as the key spells it (empty where a tool left it out)
     * @param module the Hugging Face module path without the prefix, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param part   {@link #LORA_A} or {@link #LORA_B}
     * @param named  whether the key kept the adapter name ({@code .default.weight})
     */
    public record Key(String prefix, String module, String part, boolean named) {

        /** The key of the other matrix of the same module, spelled the same way. */
        public String partner(String otherPart) {
            return prefix + module + "." + otherPart + (named ? ".default.weight" : ".weight");
        }

        /** The base-model weight this pair changes: {@code <module>.weight}. */
        public String baseWeight() {
            return HfWeightNames.weight(module);
        }
    }

    /**
     * Parses {@code base_model.model.<module>.lora_A.weight} (also {@code .default.weight}, and without the prefix);
     * empty for any other tensor (biases, embedding LoRA, DoRA magnitudes).
     */
    public static Optional<Key> parseKey(String key) {
        for (String part : List.of(LORA_A, LORA_B)) {
            for (boolean named : new boolean[] {false, true}) {
                String suffix = "." + part + (named ? ".default.weight" : ".weight");
                if (key.endsWith(suffix)) {
                    String module = key.substring(0, key.length() - suffix.length());
                    boolean prefixed = module.startsWith(PREFIX);
                    return Optional.of(new Key(prefixed ? PREFIX : "",
                            prefixed ? module.substring(PREFIX.length()) : module, part, named));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Why an {@code adapter_config.json} describes something other than plain LoRA on linear layers, which both
     * attaching and merging would get wrong: another peft_type, Conv1D layouts, trained biases, extra modules,
     * per-module ranks or alphas. Empty when supported.
     */
    public static Optional<String> unsupported(JsonNode config) {
        String type = config.path("peft_type").asString("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            return Optional.of("peft_type '" + type + "' is not supported (only LORA)");
        }
        if (!config.path("bias").asString("none").equals("none")) {
            return Optional.of("bias '" + config.path("bias").asString() + "' is not supported (only none)");
        }
        if (config.path("fan_in_fan_out").asBoolean(false)) {
            return Optional.of("fan_in_fan_out adapters (GPT-2 Conv1D) are not supported");
        }
        if (nonEmpty(config.path("modules_to_save"))) {
            for (JsonNode m : config.path("modules_to_save")) {
                boolean head = isSequenceClassification(config) && HEAD_MODULES.contains(m.asString());
                if (!head && !io.tuneforge.shared.recipe.RecipeMethod.ADDITIONAL_TARGETS.contains(m.asString())) {
                    return Optional.of("modules_to_save " + config.path("modules_to_save") + " is not supported (only "
                            + String.join(", ", io.tuneforge.shared.recipe.RecipeMethod.ADDITIONAL_TARGETS)
                            + ", or a SEQ_CLS adapter's classifier/score head)");
                }
            }
        }
        if (nonEmpty(config.path("rank_pattern")) || nonEmpty(config.path("alpha_pattern"))) {
            return Optional.of("rank_pattern/alpha_pattern give per-module ranks, which are not supported");
        }
        return Optional.empty();
    }

    /** Whether a tensor of an adapter file is a SEQ_CLS head ({@value #HEAD_KEY}, or as PEFT names the saved copy). */
    public static boolean isHeadKey(String name) {
        return name.equals(HEAD_KEY) || name.equals("base_model.model.score.modules_to_save.weight");
    }

    /** Whether an {@code adapter_config.json} is PEFT's SEQ_CLS task: LoRA plus a classification head. */
    public static boolean isSequenceClassification(JsonNode config) {
        return config.path("task_type").asString("").equals(SEQ_CLS);
    }

    private static boolean nonEmpty(JsonNode node) {
        return !node.isMissingNode() && !node.isNull() && !node.isEmpty();
    }

    /** Writes the model's adapters into {@code directory} (created if needed); each file is written atomically. */
    public static void save(LoraHost model, Path directory) throws IOException {
        LoraConfig config = model.loraConfig().orElseThrow(() -> new IllegalStateException("the model has no LoRA adapter"));
        Files.createDirectories(directory);
        boolean convert = config.isPissa() && model.convertsPissaOnSave();
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager scratch = model.manager().newSubManager()) {
            for (Linear linear : model.loraTargets(config)) {
                LoraWeights w = linear.lora().orElseThrow();
                if (convert) {
                    NDArray[] converted = convertedPissa(scratch, w, linear.path());
                    tensors.put(key(linear.path(), LORA_A), converted[0]);                 // (2r, in)
                    tensors.put(key(linear.path(), LORA_B), converted[1]);                 // (out, 2r)
                    // DoRA: W + s·B'·A' = W_res + s·B·A, so the same magnitude gives the same weight
                    w.magnitude().ifPresent(m -> tensors.put(magnitudeKey(linear.path()), m));
                    continue;
                }
                tensors.put(key(linear.path(), LORA_A), w.a());                                 // (r, in)
                tensors.put(key(linear.path(), LORA_B), w.b());                                 // (out, r)
                w.magnitude().ifPresent(m -> tensors.put(magnitudeKey(linear.path()), m));     // (out)
            }
            model.modulesToSave(config).forEach((module, weight) -> tensors.put(wholeModuleKey(module), weight));
            SafetensorsWriter.writeFile(directory.resolve(WEIGHTS_FILE), tensors, SafetensorsDType.F32);
        }
        LoraConfig saved = convert ? convertedConfig(config) : config;
        Path temp = directory.resolve("." + CONFIG_FILE + ".tmp");
        ObjectNode configJson = configJson(saved, model.directory().toAbsolutePath().normalize().toString());
        configJson.put("task_type", model.peftTaskType());
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson));
        Files.move(temp, directory.resolve(CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * PEFT's {@code subtract_mutated_init}: W + ΔW = W_res + s·B·A and W = W_res + s·B₀·A₀, so
     * ΔW = s·(B·A − B₀·A₀) = s·[B | −B₀]·[A ; A₀], an ordinary LoRA of rank 2r on the original base.
     *
     * @return A' (2r, in) and B' (out, 2r) in {@code scratch}
     */
    static NDArray[] convertedPissa(NDManager scratch, LoraWeights w, String module) {
        NDArray[] initial = w.initialFactors().orElseThrow(() -> new IllegalStateException(module
                + ": the PiSSA adapter has no initial factors to convert against"));
        NDArray a = own(scratch, w.a().stopGradient());                                       // (r, in)
        NDArray b = own(scratch, w.b().stopGradient());                                       // (out, r)
        NDArray stackedA = own(scratch, a.concat(initial[0], 0));                             // (2r, in)
        NDArray negatedB0 = own(scratch, initial[1].neg());                                  // (out, r)
        NDArray stackedB = own(scratch, b.concat(negatedB0, 1));                              // (out, 2r)
        return new NDArray[] {stackedA, stackedB};
    }

    /**
     * The config PEFT writes for a converted PiSSA adapter: rank 2r, alpha doubled (× √2 with rsLoRA) so the scale
     * stays, {@code init_lora_weights} true.
     */
    static LoraConfig convertedConfig(LoraConfig config) {
        double alpha = config.useRslora() ? config.alpha() * Math.sqrt(2) : config.alpha() * 2;
        return new LoraConfig(2 * config.rank(), alpha, config.dropout(), config.targetModules(), config.useRslora(),
                config.useDora(), LoraConfig.DEFAULT_INIT, config.modulesToSave());
    }

    private static NDArray own(NDManager scope, NDArray array) {
        return io.tuneforge.trainer.model.Owned.own(scope, array);
    }

    /** The {@code adapter_config.json} content PEFT writes for this config. */
    public static ObjectNode configJson(LoraConfig config, String baseModel) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", "LORA");
        root.put("task_type", "CAUSAL_LM");
        root.put("base_model_name_or_path", baseModel);
        root.put("r", config.rank());
        if (config.alpha() == Math.rint(config.alpha())) {
            root.put("lora_alpha", (long) config.alpha());
        } else {
            root.put("lora_alpha", config.alpha());
        }
        root.put("lora_dropout", config.dropout());
        if (config.isPattern()) {
            root.put("target_modules", config.targetModules().getFirst());   // PEFT's str form: re.fullmatch
        } else {
            ArrayNode targets = root.putArray("target_modules");
            config.targetModules().forEach(targets::add);
        }
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("use_rslora", config.useRslora());
        root.put("use_dora", config.useDora());
        if (config.modulesToSave().isEmpty()) {
            root.putNull("modules_to_save");
        } else {
            ArrayNode modules = root.putArray("modules_to_save");
            config.modulesToSave().forEach(modules::add);
        }
        root.put("inference_mode", true);
        if (config.isPissa()) {
            root.put("init_lora_weights", config.initLoraWeights());
        } else {
            root.put("init_lora_weights", true);
        }
        return root;
    }

    /** Reads {@code adapter_config.json} (use_dora included); unsupported settings (biases, extra modules) fail clearly. */
    public static LoraConfig readConfig(Path directory) throws IOException {
        Path file = directory.resolve(CONFIG_FILE);
        JsonNode root = readJson(directory);
        Optional<String> unsupported = unsupported(root);
        if (unsupported.isPresent()) {
            throw new ModelConfigException(file + ": " + unsupported.get());
        }
        JsonNode targetsNode = root.path("target_modules");
        List<String> targets = new ArrayList<>();
        if (targetsNode.isArray()) {
            targetsNode.forEach(n -> targets.add(n.asString()));
        } else {
            targets.addAll(LoraConfig.parseTargets(targetsNode.asString("all-linear")));
        }
        targets.sort((a, b) -> Integer.compare(HfWeightNames.KNOWN_LINEAR_MODULES.indexOf(LoraConfig.moduleName(a)),
                HfWeightNames.KNOWN_LINEAR_MODULES.indexOf(LoraConfig.moduleName(b))));
        int rank = root.path("r").asInt(8);
        String init = initLoraWeights(root.path("init_lora_weights"), file);
        List<String> modulesToSave = new ArrayList<>();
        root.path("modules_to_save").forEach(n -> modulesToSave.add(n.asString()));
        if (isSequenceClassification(root)) {
            modulesToSave.removeAll(HEAD_MODULES); // the head is read by the classifier, not trained whole here
        }
        try {
            return new LoraConfig(rank, root.path("lora_alpha").asDouble(8), root.path("lora_dropout").asDouble(0),
                    targets, root.path("use_rslora").asBoolean(false), root.path("use_dora").asBoolean(false), init,
                    modulesToSave);
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code init_lora_weights} as far as loading cares: PiSSA ("pissa", "pissa_niter_N") changes the base, so it is
     * kept; true, false and "gaussian" only chose starting values the saved weights replace; initialisations that
     * change the base in other ways (OLoRA, CorDA, LoftQ, ...) are refused.
     */
    private static String initLoraWeights(JsonNode node, Path file) {
        if (node.isMissingNode() || node.isNull() || node.isBoolean()) {
            return LoraConfig.DEFAULT_INIT;
        }
        String value = node.asString().strip().toLowerCase(java.util.Locale.ROOT);
        if (value.startsWith("pissa")) {
            return value;
        }
        if (value.equals("gaussian") || value.equals("true") || value.equals("false")) {
            return LoraConfig.DEFAULT_INIT;
        }
        throw new ModelConfigException(file + ": init_lora_weights '" + value + "' is not supported (it changes the "
                + "base model in a way TuneForge does not reproduce); only true, gaussian and PiSSA's pissa / "
                + "pissa_niter_N load");
    }

    /** The adapter's {@code adapter_config.json}, parsed; a missing or broken file fails naming it. */
    private static JsonNode readJson(Path directory) throws IOException {
        Path file = directory.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelConfigException(directory + " has no " + CONFIG_FILE + ": --adapter must point at a PEFT "
                    + "LoRA adapter directory (adapter_config.json + adapter_model.safetensors)");
        }
        try {
            return JSON.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new ModelConfigException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Loads a PEFT adapter onto a model (frozen for inference, trainable to continue training). Missing or
     * mis-shaped tensors fail naming the key and the expected shape.
     */
    public static LoraConfig load(LoraHost model, Path directory, boolean trainable) throws IOException {
        if (isSequenceClassification(readJson(directory))) {
            throw new ModelConfigException(directory + " is a classification adapter (task_type SEQ_CLS, a score "
                    + "head): it classifies texts and does not generate; evaluate it as a classifier");
        }
        return loadWithHead(model, directory, trainable);
    }

    /**
     * As {@link #load}, also accepting a SEQ_CLS adapter, whose head the caller reads
     * ({@code training.classification.SequenceClassifier}).
     */
    public static LoraConfig loadWithHead(LoraHost model, Path directory, boolean trainable) throws IOException {
        LoraConfig config = readConfig(directory);
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new ModelConfigException(directory + " has no " + WEIGHTS_FILE);
        }
        if (config.isPissa()) {
            model.preparePissaBase(config);
        }
        Map<String, NDArray[]> weights = new HashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.open(weightsFile)) {
            for (Linear linear : model.loraTargets(config)) {
                NDArray a = read(reader, linear.path(), LORA_A, new long[] {config.rank(), linear.inFeatures()}, model);
                NDArray b = read(reader, linear.path(), LORA_B, new long[] {linear.outFeatures(), config.rank()}, model);
                NDArray m = config.useDora() ? readMagnitude(reader, linear.path(), linear.outFeatures(), model) : null;
                weights.put(linear.path(), new NDArray[] {a, b, m});
            }
            for (var entry : model.modulesToSave(config).entrySet()) {
                loadWhole(reader, entry.getKey(), entry.getValue(), model);
            }
        }
        model.attachLora(config, weights, trainable);
        return config;
    }

    /** Copies a saved module_to_save weight into the model's own array (same shape, FLOAT32). */
    private static void loadWhole(SafetensorsReader reader, String module, NDArray target, LoraHost model) {
        String name = wholeModuleKey(module);
        TensorInfo info = reader.find(name)
                .or(() -> reader.find(PREFIX + module + ".modules_to_save.default.weight"))
                .orElseThrow(() -> new ModelConfigException("adapter tensor '" + name + "' (modules_to_save) is "
                        + "missing; expected shape " + target.getShape()));
        if (!Arrays.equals(info.shape(), target.getShape().getShape())) {
            throw new ModelConfigException("adapter tensor '" + info.name() + "' has shape " + info.shapeText()
                    + " but the model's " + module + " is " + target.getShape());
        }
        try (NDArray loaded = reader.load(model.manager(), info.name(), DataType.FLOAT32)) {
            target.set(java.nio.FloatBuffer.wrap(loaded.toFloatArray()));
        }
    }

    private static NDArray readMagnitude(SafetensorsReader reader, String module, long out, LoraHost model) {
        String name = magnitudeKey(module);
        TensorInfo info = reader.find(name).or(() -> reader.find(name + ".default.weight"))
                .or(() -> reader.find(name + ".weight"))
                .orElseThrow(() -> new ModelConfigException("DoRA adapter tensor '" + name + "' is missing; "
                        + "expected shape [" + out + "]"));
        if (!Arrays.equals(info.shape(), new long[] {out})) {
            throw new ModelConfigException("adapter tensor '" + info.name() + "' has shape " + info.shapeText()
                    + " but the model implies [" + out + "]");
        }
        return reader.load(model.manager(), info.name(), DataType.FLOAT32);
    }

    private static NDArray read(SafetensorsReader reader, String module, String part, long[] shape, LoraHost model) {
        String name = key(module, part);
        TensorInfo info = reader.find(name)
                .or(() -> reader.find(namedKey(module, part)))
                .orElseThrow(() -> new ModelConfigException("adapter tensor '" + name + "' is missing; expected shape "
                        + Arrays.toString(shape)));
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ModelConfigException("adapter tensor '" + info.name() + "' has shape " + info.shapeText()
                    + " but the model and adapter_config.json imply " + Arrays.toString(shape));
        }
        return reader.load(model.manager(), info.name(), DataType.FLOAT32);
    }
}
