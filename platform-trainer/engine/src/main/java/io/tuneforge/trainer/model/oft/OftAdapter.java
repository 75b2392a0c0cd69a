package io.tuneforge.trainer.model.oft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.trainer.model.Linear;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An OFT adapter in PEFT 0.21's layout:
 * <pre>
 *   adapter_config.json        peft_type "OFT", r, oft_block_size, target_modules, module_dropout, coft, eps,
 *                              block_share, use_cayley_neumann, num_cayley_neumann_terms, init_weights, ...
 *   adapter_model.safetensors  base_model.model.&lt;module&gt;.oft_R.weight   (r, b(b−1)/2) float32 per adapted linear
 * </pre>
 * Name mapping (PEFT key ↔ TuneForge): {@code base_model.model.model.layers.L.self_attn.q_proj.oft_R.weight} ↔ the
 * {@link OftWeights#weight()} of the linear {@code model.layers.L.self_attn.q_proj} (PEFT's in-memory name adds
 * {@code .default} before {@code .weight}; save_pretrained drops it, and both are read).
 */
public final class OftAdapter {

    /** The adapter's configuration file. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter's weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private OftAdapter() {
    }

    /** PEFT's saved key of a linear's OFT weight. */
    public static String key(String modulePath) {
        return PREFIX + modulePath + ".oft_R.weight";
    }

    /** Whether an {@code adapter_config.json} describes an OFT adapter. */
    public static boolean isOft(Path directory) throws IOException {
        Path file = directory.resolve(CONFIG_FILE);
        return Files.isRegularFile(file) && "OFT".equalsIgnoreCase(readJson(file).path("peft_type").asString(""));
    }

    /** Writes the model's OFT weights and config into {@code directory} (created if needed), each file atomically. */
    public static void save(OftHost model, Path directory) throws IOException {
        OftConfig config = model.oftConfig().orElseThrow(() -> new IllegalStateException("the model has no OFT adapter"));
        Files.createDirectories(directory);
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        for (Linear linear : model.oftTargets(config)) {
            tensors.put(key(linear.path()), linear.oft().orElseThrow().weight());            // (r, b(b−1)/2)
        }
        SafetensorsWriter.writeFile(directory.resolve(WEIGHTS_FILE), tensors, SafetensorsDType.F32);
        Path temp = directory.resolve("." + CONFIG_FILE + ".tmp");
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                configJson(config, model.directory().toAbsolutePath().normalize().toString())));
        Files.move(temp, directory.resolve(CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** PEFT 0.21's {@code OFTConfig} fields as {@code save_pretrained} writes them. */
    public static ObjectNode configJson(OftConfig config, String baseModel) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", "OFT");
        root.put("task_type", "CAUSAL_LM");
        root.put("base_model_name_or_path", baseModel);
        root.put("r", config.rank());
        root.put("oft_block_size", config.blockSize());
        if (config.isPattern()) {
            root.put("target_modules", config.targetModules().getFirst());
        } else {
            ArrayNode targets = root.putArray("target_modules");
            config.targetModules().forEach(targets::add);
        }
        root.put("module_dropout", config.moduleDropout());
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("coft", false);
        root.put("eps", 6e-5);
        root.put("block_share", config.blockShare());
        root.put("use_cayley_neumann", config.useCayleyNeumann());
        root.put("num_cayley_neumann_terms", config.numCayleyNeumannTerms());
        root.put("init_weights", true);
        root.put("inference_mode", true);
        root.putNull("modules_to_save");
        root.putNull("layers_to_transform");
        root.putNull("layers_pattern");
        return root;
    }

    /** Reads an OFT {@code adapter_config.json}; settings TuneForge does not reproduce fail naming the field. */
    public static OftConfig readConfig(Path directory) throws IOException {
        Path file = directory.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelConfigException(directory + " has no " + CONFIG_FILE);
        }
        JsonNode root = readJson(file);
        if (!"OFT".equalsIgnoreCase(root.path("peft_type").asString(""))) {
            throw new ModelConfigException(file + ": peft_type '" + root.path("peft_type").asString("") + "' is not OFT");
        }
        if (root.path("coft").asBoolean(false)) {
            throw new ModelConfigException(file + ": coft (constrained OFT) is not supported");
        }
        if (!root.path("bias").asString("none").equals("none")) {
            throw new ModelConfigException(file + ": bias '" + root.path("bias").asString() + "' is not supported");
        }
        for (String field : List.of("modules_to_save", "layers_to_transform", "rank_pattern", "alpha_pattern")) {
            JsonNode n = root.path(field);
            if (!n.isMissingNode() && !n.isNull() && !n.isEmpty()) {
                throw new ModelConfigException(file + ": " + field + " is not supported for OFT adapters");
            }
        }
        JsonNode targetsNode = root.path("target_modules");
        List<String> targets = new ArrayList<>();
        if (targetsNode.isArray()) {
            targetsNode.forEach(n -> targets.add(n.asString()));
        } else if (RecipeMethod.isTargetPattern(targetsNode.asString(""))) {
            targets.add(targetsNode.asString());
        } else {
            throw new ModelConfigException(file + ": target_modules " + targetsNode + " is not supported");
        }
        try {
            return new OftConfig(root.path("r").asInt(0), root.path("oft_block_size").asInt(0), targets,
                    root.path("module_dropout").asDouble(0), root.path("use_cayley_neumann").asBoolean(true),
                    root.path("num_cayley_neumann_terms").asInt(5), root.path("block_share").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a PEFT OFT adapter onto a model (frozen, or trainable to continue training); a missing or mis-shaped
     * tensor fails naming the key and the expected shape.
     */
    public static OftConfig load(OftHost model, Path directory, boolean trainable) throws IOException {
        OftConfig config = readConfig(directory);
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new ModelConfigException(directory + " has no " + WEIGHTS_FILE);
        }
        Map<String, NDArray> weights = new HashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.open(weightsFile)) {
            for (Linear linear : model.oftTargets(config)) {
                String name = key(linear.path());
                String inMemory = PREFIX + linear.path() + ".oft_R.default.weight";
                long[] expected = OftWeights.expectedShape(linear.inFeatures(), config).getShape();
                TensorInfo info = reader.find(name).or(() -> reader.find(inMemory))
                        .orElseThrow(() -> new ModelConfigException(weightsFile + ": OFT tensor '" + name
                                + "' is missing; expected shape " + java.util.Arrays.toString(expected)));
                if (!java.util.Arrays.equals(info.shape(), expected)) {
                    throw new ModelConfigException(weightsFile + ": OFT tensor '" + info.name() + "' has shape "
                            + info.shapeText() + " but the model and adapter_config.json imply "
                            + java.util.Arrays.toString(expected));
                }
                weights.put(linear.path(), reader.load(model.manager(), info.name(), DataType.FLOAT32));
            }
        }
        model.attachOft(config, weights, trainable);
        return config;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new ModelConfigException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
