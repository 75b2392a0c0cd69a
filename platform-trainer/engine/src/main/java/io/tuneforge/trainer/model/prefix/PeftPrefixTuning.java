package io.tuneforge.trainer.model.prefix;

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
import java.util.SequencedMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Prefix-tuning adapters in PEFT's format (peft_type {@code PREFIX_TUNING}), so they load in PEFT and PEFT's load here:
 * <pre>
 *   adapter_config.json        peft_type PREFIX_TUNING, task_type CAUSAL_LM, num_virtual_tokens, num_layers,
 *                              token_dim (= KV heads · hd), num_attention_heads (= KV heads), prefix_projection,
 *                              encoder_hidden_size, num_transformer_submodules 1, inference_mode true
 *   adapter_model.safetensors  prompt_embeddings (num_virtual_tokens, 2·num_layers·token_dim), F32
 * </pre>
 * As PEFT does, the saved tensor is the prefix itself: with {@code prefix_projection} the MLP's output (the MLP is a
 * training-time reparameterisation and is not saved). Loaded, an adapter is that prefix, trained directly when
 * training continues.
 */
public final class PeftPrefixTuning {

    /** PEFT's {@code peft_type}. */
    public static final String PEFT_TYPE = "PREFIX_TUNING";
    /** The one tensor of the weights file. */
    public static final String PROMPT_EMBEDDINGS = "prompt_embeddings";
    private static final String CONFIG_FILE = "adapter_config.json";
    private static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PeftPrefixTuning() {
    }

    /**
     * A saved prefix adapter's settings as read from {@code adapter_config.json}.
     *
     * @param config the prefix settings (prefix_projection as trained; the file holds the projected prefix)
     * @param shape  num_layers, num_attention_heads (KV heads) and token_dim / num_attention_heads
     */
    public record Saved(PrefixConfig config, PrefixShape shape) {
    }

    /** The {@code adapter_config.json} PEFT writes for this prefix on a base model at {@code baseModel}. */
    public static ObjectNode configJson(PrefixConfig config, PrefixShape shape, String baseModel) {
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", PEFT_TYPE);
        root.put("task_type", "CAUSAL_LM");
        root.put("base_model_name_or_path", baseModel);
        root.put("num_virtual_tokens", config.numVirtualTokens());
        root.put("num_layers", shape.layers());
        root.put("token_dim", shape.tokenDim());
        root.put("num_attention_heads", shape.kvHeads());
        root.put("num_transformer_submodules", 1);
        root.put("encoder_hidden_size", config.encoderHiddenSize(shape));
        root.put("prefix_projection", config.prefixProjection());
        root.put("inference_mode", true);
        root.putNull("modules_to_save");
        return root;
    }

    /** Writes the prefix of {@code encoder} as a PEFT adapter into {@code directory}; each file atomically. */
    public static void save(PrefixEncoder encoder, PrefixConfig config, NDManager manager, Path baseModel,
                            Path directory) throws IOException {
        Files.createDirectories(directory);
        try (NDManager scratch = manager.newSubManager()) {
            SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put(PROMPT_EMBEDDINGS, encoder.promptEmbeddings(scratch));              // (P, 2·L·token_dim)
            SafetensorsWriter.writeFile(directory.resolve(WEIGHTS_FILE), tensors, SafetensorsDType.F32);
        }
        Path temp = directory.resolve("." + CONFIG_FILE + ".tmp");
        Files.writeString(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson(config,
                encoder.shape(), baseModel.toAbsolutePath().normalize().toString())));
        Files.move(temp, directory.resolve(CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads and checks {@code adapter_config.json} of a PREFIX_TUNING adapter against the model's prefix sizes. */
    public static Saved readConfig(Path directory, PrefixShape model) throws IOException {
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
        int submodules = root.path("num_transformer_submodules").asInt(1);
        if (submodules != 1) {
            throw new ModelConfigException(file + ": num_transformer_submodules " + submodules
                    + " (encoder-decoder prefixes) is not supported; a decoder-only model has 1");
        }
        int virtualTokens = required(root, "num_virtual_tokens", file);
        int layers = required(root, "num_layers", file);
        int tokenDim = required(root, "token_dim", file);
        int heads = required(root, "num_attention_heads", file);
        if (layers != model.layers() || heads != model.kvHeads() || tokenDim != model.tokenDim()) {
            throw new ModelConfigException(file + ": the prefix is for num_layers " + layers + ", num_attention_heads "
                    + heads + ", token_dim " + tokenDim + " but the model has " + model.layers() + " layers, "
                    + model.kvHeads() + " key/value heads and token_dim " + model.tokenDim()
                    + ": the adapter was trained on another base model");
        }
        int encoderHidden = root.path("encoder_hidden_size").asInt(tokenDim);
        return new Saved(new PrefixConfig(virtualTokens, root.path("prefix_projection").asBoolean(false),
                encoderHidden <= 0 ? tokenDim : encoderHidden), model);
    }

    private static int required(JsonNode root, String key, Path file) {
        JsonNode node = root.path(key);
        if (!node.isNumber() || node.asInt() <= 0) {
            throw new ModelConfigException(file + ": " + key + " must be a positive integer, got " + node);
        }
        return node.asInt();
    }

    /**
     * Loads a PEFT prefix adapter as a prefix of the model's sizes, its tensor in {@code manager}.
     *
     * @return the settings read and the prefix (not yet trainable)
     */
    public static Loaded load(Path directory, PrefixShape model, NDManager manager) throws IOException {
        Saved saved = readConfig(directory, model);
        Path weights = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new ModelConfigException(directory + " has no " + WEIGHTS_FILE);
        }
        long[] expected = {saved.config().numVirtualTokens(), model.width()};
        try (SafetensorsReader reader = SafetensorsReader.open(weights)) {
            TensorInfo info = reader.find(PROMPT_EMBEDDINGS).orElseThrow(() -> new ModelConfigException(weights
                    + " has no tensor '" + PROMPT_EMBEDDINGS + "' (expected shape " + Arrays.toString(expected) + ")"));
            if (!Arrays.equals(info.shape(), expected)) {
                throw new ModelConfigException(weights + ": '" + PROMPT_EMBEDDINGS + "' has shape " + info.shapeText()
                        + " but adapter_config.json and the model imply " + Arrays.toString(expected));
            }
            NDArray prefix = reader.load(manager, PROMPT_EMBEDDINGS, DataType.FLOAT32);
            return new Loaded(saved.config(), PrefixEncoder.of(model, prefix));
        }
    }

    /**
     * A prefix adapter read back.
     *
     * @param config  its settings
     * @param encoder the prefix (P, 2·L·token_dim) as a plain encoder
     */
    public record Loaded(PrefixConfig config, PrefixEncoder encoder) {
    }
}
