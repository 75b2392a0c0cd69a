package io.tuneforge.trainer.model.bottleneck;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.SplittableRandom;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A model's bottleneck adapters, layer by layer, and their saved format (TuneForge's own: PEFT has no bottleneck
 * adapters; the layout follows PEFT's so the files sit beside a base model the same way):
 * <pre>
 *   adapter_config.json        peft_type BOTTLENECK_ADAPTER, task_type CAUSAL_LM, base_model_name_or_path,
 *                              reduction_factor, placement (houlsby | pfeiffer), non_linearity, hidden_size,
 *                              bottleneck_size, num_layers, format_version 1
 *   adapter_model.safetensors  per layer i, F32, for each adapter present:
 *     base_model.model.model.layers.i.attention_adapter.adapter_down.weight  (r, C)   houlsby only
 *     base_model.model.model.layers.i.attention_adapter.adapter_down.bias    (r)
 *     base_model.model.model.layers.i.attention_adapter.adapter_up.weight    (C, r)
 *     base_model.model.model.layers.i.attention_adapter.adapter_up.bias      (C)
 *     base_model.model.model.layers.i.mlp_adapter.{adapter_down,adapter_up}.{weight,bias}  (same shapes)
 * </pre>
 * The same names key checkpoints and optimizer state.
 */
public final class BottleneckAdapters {

    /** The {@code peft_type} of the format (not a PEFT type). */
    public static final String PEFT_TYPE = "BOTTLENECK_ADAPTER";
    /** The adapter after a layer's attention output. */
    public static final String ATTENTION_ADAPTER = "attention_adapter";
    /** The adapter after a layer's MLP output. */
    public static final String MLP_ADAPTER = "mlp_adapter";
    private static final String PREFIX = "base_model.model.model.layers.";
    private static final String CONFIG_FILE = "adapter_config.json";
    private static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final BottleneckConfig config;
    private final int hiddenSize;
    private final BottleneckAdapter[] afterAttention;   // per layer, null unless houlsby
    private final BottleneckAdapter[] afterMlp;         // per layer

    private BottleneckAdapters(BottleneckConfig config, int hiddenSize, BottleneckAdapter[] afterAttention,
                               BottleneckAdapter[] afterMlp) {
        this.config = config;
        this.hiddenSize = hiddenSize;
        this.afterAttention = afterAttention;
        this.afterMlp = afterMlp;
    }

    /** Fresh adapters (the identity) for {@code layers} layers of width {@code hiddenSize}, drawn from {@code seed}. */
    public static BottleneckAdapters initialise(NDManager manager, BottleneckConfig config, int layers,
                                                int hiddenSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int r = config.bottleneckSize(hiddenSize);
        BottleneckAdapter[] attention = new BottleneckAdapter[layers];
        BottleneckAdapter[] mlp = new BottleneckAdapter[layers];
        for (int i = 0; i < layers; i++) {
            if (config.placement().afterAttention()) {
                attention[i] = BottleneckAdapter.initialise(manager, hiddenSize, r, config.nonLinearity(), random.split());
            }
            mlp[i] = BottleneckAdapter.initialise(manager, hiddenSize, r, config.nonLinearity(), random.split());
        }
        return new BottleneckAdapters(config, hiddenSize, attention, mlp);
    }

    /** The settings. */
    public BottleneckConfig config() {
        return config;
    }

    /** Layer {@code i}'s adapter after attention, if the placement has one. */
    public Optional<BottleneckAdapter> afterAttention(int layer) {
        return Optional.ofNullable(afterAttention[layer]);
    }

    /** Layer {@code i}'s adapter after the MLP. */
    public BottleneckAdapter afterMlp(int layer) {
        return afterMlp[layer];
    }

    /** The key of one array: {@code base_model.model.model.layers.<i>.<adapter>.<part>}. */
    public static String key(int layer, String adapter, String part) {
        return PREFIX + layer + "." + adapter + "." + part;
    }

    /** Every array by its saved key, layer by layer (attention adapter first), in a fixed order. */
    public SequencedMap<String, NDArray> parameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < afterMlp.length; i++) {
            int layer = i;
            if (afterAttention[i] != null) {
                afterAttention[i].parameters().forEach((part, a) -> out.put(key(layer, ATTENTION_ADAPTER, part), a));
            }
            afterMlp[i].parameters().forEach((part, a) -> out.put(key(layer, MLP_ADAPTER, part), a));
        }
        return out;
    }

    /** Marks every adapter weight as trained. */
    public void setTrainable(boolean trainable) {
        parameters().values().forEach(a -> a.setRequiresGradient(trainable));
    }

    /** Switches every adapter on or off (off: the base model). */
    public void enable(boolean on) {
        for (int i = 0; i < afterMlp.length; i++) {
            if (afterAttention[i] != null) {
                afterAttention[i].enable(on);
            }
            afterMlp[i].enable(on);
        }
    }

    /** The {@code adapter_config.json} of these adapters on the base model at {@code baseModel}. */
    public ObjectNode configJson(String baseModel) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", PEFT_TYPE);
        root.put("task_type", "CAUSAL_LM");
        root.put("base_model_name_or_path", baseModel);
        root.put("reduction_factor", config.reductionFactor());
        root.put("placement", config.placement().key());
        root.put("non_linearity", config.nonLinearity().key());
        root.put("hidden_size", hiddenSize);
        root.put("bottleneck_size", config.bottleneckSize(hiddenSize));
        root.put("num_layers", afterMlp.length);
        root.put("format_version", 1);
        return root;
    }

    /** Writes {@code adapter_config.json} and {@code adapter_model.safetensors} into {@code directory}, atomically. */
    public void save(Path baseModel, Path directory) throws IOException {
        Files.createDirectories(directory);
        SafetensorsWriter.writeFile(directory.resolve(WEIGHTS_FILE), parameters(), SafetensorsDType.F32);
        Path temp = directory.resolve("." + CONFIG_FILE + ".tmp");
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                configJson(baseModel.toAbsolutePath().normalize().toString())));
        Files.move(temp, directory.resolve(CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads saved adapters for a model of {@code layers} layers and width {@code hiddenSize}; a wrong type, size or
     * missing tensor fails naming the file and key.
     */
    public static BottleneckAdapters load(Path directory, int layers, int hiddenSize, NDManager manager)
            throws IOException {
        Path file = directory.resolve(CONFIG_FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new ModelConfigException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        String type = root.path("peft_type").asString("");
        if (!type.equals(PEFT_TYPE)) {
            throw new ModelConfigException(file + ": peft_type '" + type + "' is not " + PEFT_TYPE);
        }
        BottleneckConfig config;
        try {
            config = new BottleneckConfig(root.path("reduction_factor").asDouble(0),
                    BottleneckConfig.Placement.parse(root.path("placement").asString("")),
                    BottleneckConfig.NonLinearity.parse(root.path("non_linearity").asString("")));
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(file + ": " + e.getMessage(), e);
        }
        if (root.path("hidden_size").asInt(-1) != hiddenSize || root.path("num_layers").asInt(-1) != layers) {
            throw new ModelConfigException(file + ": the adapters are for hidden_size " + root.path("hidden_size")
                    + " and num_layers " + root.path("num_layers") + " but the model has " + hiddenSize + " and "
                    + layers + ": they were trained on another base model");
        }
        int r = config.bottleneckSize(hiddenSize);
        BottleneckAdapter[] attention = new BottleneckAdapter[layers];
        BottleneckAdapter[] mlp = new BottleneckAdapter[layers];
        Path weights = directory.resolve(WEIGHTS_FILE);
        try (SafetensorsReader reader = SafetensorsReader.open(weights)) {
            for (int i = 0; i < layers; i++) {
                if (config.placement().afterAttention()) {
                    attention[i] = read(reader, weights, i, ATTENTION_ADAPTER, hiddenSize, r, config, manager);
                }
                mlp[i] = read(reader, weights, i, MLP_ADAPTER, hiddenSize, r, config, manager);
            }
        }
        return new BottleneckAdapters(config, hiddenSize, attention, mlp);
    }

    private static BottleneckAdapter read(SafetensorsReader reader, Path file, int layer, String adapter, int c, int r,
                                          BottleneckConfig config, NDManager manager) {
        return new BottleneckAdapter(
                tensor(reader, file, key(layer, adapter, BottleneckAdapter.DOWN_WEIGHT), new long[] {r, c}, manager),
                tensor(reader, file, key(layer, adapter, BottleneckAdapter.DOWN_BIAS), new long[] {r}, manager),
                tensor(reader, file, key(layer, adapter, BottleneckAdapter.UP_WEIGHT), new long[] {c, r}, manager),
                tensor(reader, file, key(layer, adapter, BottleneckAdapter.UP_BIAS), new long[] {c}, manager),
                config.nonLinearity());
    }

    private static NDArray tensor(SafetensorsReader reader, Path file, String key, long[] shape, NDManager manager) {
        TensorInfo info = reader.find(key).orElseThrow(() -> new ModelConfigException(file + " has no tensor '" + key
                + "' (expected shape " + Arrays.toString(shape) + ")"));
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ModelConfigException(file + ": '" + key + "' has shape " + info.shapeText()
                    + " but adapter_config.json and the model imply " + Arrays.toString(shape));
        }
        return reader.load(manager, key, DataType.FLOAT32);
    }
}
