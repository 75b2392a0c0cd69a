package io.tuneforge.trainer.training.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.WeightSpec;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a randomly initialised Llama as a Hugging Face model directory ({@code config.json} +
 * {@code model.safetensors}, FLOAT32): weights ~ N(0, 0.02) as transformers' {@code initializer_range}, norms 1.
 * Used by the {@code bench} command and by tests that need a real model of a chosen shape.
 */
public final class RandomLlama {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RandomLlama() {
    }

    /** Writes the model of {@code shape} (tied embeddings, BOS 1, EOS 2) into {@code directory}. */
    public static Path write(Path directory, LlamaShape shape, long seed) throws IOException {
        Files.createDirectories(directory);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama");
        config.put("vocab_size", shape.vocab());
        config.put("hidden_size", shape.hidden());
        config.put("intermediate_size", shape.intermediate());
        config.put("num_hidden_layers", shape.layers());
        config.put("num_attention_heads", shape.heads());
        config.put("num_key_value_heads", shape.kvHeads());
        config.put("max_position_embeddings", Math.max(2048, shape.sequence()));
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("hidden_act", "silu");
        config.put("tie_word_embeddings", true);
        config.put("bos_token_id", 1);
        config.put("eos_token_id", 2);
        config.put("torch_dtype", "float32");
        Files.writeString(directory.resolve("config.json"), JSON.writeValueAsString(config));
        ModelConfig parsed = ModelConfig.parse(config, directory.resolve("config.json"));
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed((int) seed);
            SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
            for (WeightSpec spec : HfWeightNames.expected(parsed)) {
                Shape s = new Shape(spec.shape());
                tensors.put(spec.name(), s.dimension() == 1 ? manager.ones(s)
                        : manager.randomNormal(0f, 0.02f, s, DataType.FLOAT32));
            }
            SafetensorsWriter.writeFile(directory.resolve(SafetensorsReader.SINGLE_FILE), tensors, SafetensorsDType.F32);
        }
        return directory;
    }

    /**
     * Writes a model of {@code config} (any supported family) with random weights in {@code dtype}: matrices
     * ~ N(0, 0.02), norms 1, biases 0. Tensors are generated one at a time while the file is written, so a model of
     * several GB never sits in memory.
     */
    public static Path write(Path directory, ObjectNode config, SafetensorsDType dtype, long seed) throws IOException {
        Files.createDirectories(directory);
        config.put("torch_dtype", dtype.torchDtype());
        Files.writeString(directory.resolve("config.json"), JSON.writeValueAsString(config));
        ModelConfig parsed = ModelConfig.parse(config, directory.resolve("config.json"));
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed((int) seed);
            List<TensorSource> sources = new ArrayList<>();
            for (WeightSpec spec : HfWeightNames.expected(parsed)) {
                Shape s = new Shape(spec.shape());
                boolean bias = spec.name().endsWith(".bias");
                sources.add(TensorSource.lazy(spec.name(), spec.shape(), () -> s.dimension() == 1
                        ? (bias ? manager.zeros(s) : manager.ones(s))
                        : manager.randomNormal(0f, 0.02f, s, DataType.FLOAT32)));
            }
            SafetensorsWriter.writeModel(directory, sources, dtype, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        return directory;
    }
}
