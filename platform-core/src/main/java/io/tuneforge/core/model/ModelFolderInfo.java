package io.tuneforge.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a Hugging Face model folder says about itself, read without loading weights.
 *
 * @param architecture   {@code architectures[0]} of config.json, e.g. {@code LlamaForCausalLM}
 * @param parameterCount parameters summed over the tensor shapes in the safetensors headers
 * @param dtype          {@code torch_dtype} (or {@code dtype}) of config.json, else the first tensor's dtype
 * @param chatTemplate   the Jinja2 chat template of tokenizer_config.json (or chat_template.jinja), if any
 */
public record ModelFolderInfo(String architecture, long parameterCount, String dtype, Optional<String> chatTemplate) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Reads config.json, tokenizer_config.json and the safetensors headers of {@code folder}. */
    public static ModelFolderInfo read(Path folder) {
        Path configFile = folder.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelException(folder + " has no config.json: point at a Hugging Face model folder");
        }
        JsonNode config = readJson(configFile);
        JsonNode architectures = config.path("architectures");
        if (!architectures.isArray() || architectures.isEmpty()) {
            throw new ModelException(configFile + ": field \"architectures\" is missing; is this a model folder?");
        }
        SafetensorsSummary weights = safetensors(folder);
        String dtype = config.path("torch_dtype").asString(config.path("dtype").asString(weights.firstDtype()));
        return new ModelFolderInfo(architectures.get(0).asString(), weights.parameters(), dtype, chatTemplate(folder));
    }

    private record SafetensorsSummary(long parameters, String firstDtype) {
    }

    private static SafetensorsSummary safetensors(Path folder) {
        long parameters = 0;
        String firstDtype = "unknown";
        int files = 0;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(folder, "*.safetensors")) {
            for (Path shard : shards) {
                files++;
                for (Map.Entry<String, JsonNode> tensor : header(shard).properties()) {
                    if (tensor.getKey().equals("__metadata__")) {
                        continue;
                    }
                    long elements = 1;
                    for (JsonNode dim : tensor.getValue().path("shape")) {
                        elements *= dim.asLong();
                    }
                    parameters += elements;
                    if (firstDtype.equals("unknown")) {
                        firstDtype = safetensorsDtypeName(tensor.getValue().path("dtype").asString("unknown"));
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelException("Cannot list the weights in " + folder + ": " + e.getMessage(), e);
        }
        if (files == 0) {
            throw new ModelException(folder + " has no *.safetensors weights: convert the model to safetensors first");
        }
        return new SafetensorsSummary(parameters, firstDtype);
    }

    /** The JSON header of a safetensors file: an 8-byte little-endian length, then that many bytes of JSON. */
    private static JsonNode header(Path shard) throws IOException {
        try (InputStream in = Files.newInputStream(shard)) {
            byte[] lengthBytes = in.readNBytes(8);
            if (lengthBytes.length < 8) {
                throw new ModelException(shard + " is too short to be a safetensors file");
            }
            long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (length <= 0 || length > MAX_HEADER_BYTES) {
                throw new ModelException(shard + " has an implausible safetensors header length " + length);
            }
            byte[] json = in.readNBytes((int) length);
            try {
                return JSON.readTree(new String(json, StandardCharsets.UTF_8));
            } catch (JacksonException e) {
                throw new ModelException(shard + ": the safetensors header is not valid JSON", e);
            }
        }
    }

    private static String safetensorsDtypeName(String code) {
        return switch (code) {
            case "F32" -> "float32";
            case "F16" -> "float16";
            case "BF16" -> "bfloat16";
            default -> code.toLowerCase();
        };
    }

    private static Optional<String> chatTemplate(Path folder) {
        Path jinja = folder.resolve("chat_template.jinja");
        try {
            if (Files.isRegularFile(jinja)) {
                return Optional.of(Files.readString(jinja));
            }
        } catch (IOException e) {
            throw new ModelException("Cannot read " + jinja + ": " + e.getMessage(), e);
        }
        Path tokenizerConfig = folder.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(tokenizerConfig)) {
            return Optional.empty();
        }
        JsonNode template = readJson(tokenizerConfig).path("chat_template");
        if (template.isString()) {
            return Optional.of(template.asString());
        }
        for (JsonNode named : template) { // a list of {name, template}: the "default" one
            if (named.path("name").asString("").equals("default")) {
                return Optional.of(named.path("template").asString());
            }
        }
        return Optional.empty();
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new ModelException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
