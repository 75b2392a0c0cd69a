package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Tiny random Hugging Face model folders for tests, written with our safetensors writer. */
final class TinyModels {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TinyModels() {
    }

    /**
     * Writes config.json (vocab 512 so the stories tokenizer fits), random weights and the stories tokenizer files.
     *
     * @param skip tensors to leave out (for missing-tensor tests)
     */
    static Path write(Path dir, String architecture, Map<String, Object> overrides, SafetensorsDType dtype,
                      Predicate<String> skip) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add(architecture);
        config.put("vocab_size", 512);
        config.put("hidden_size", 32);
        config.put("intermediate_size", 48);
        config.put("num_hidden_layers", 2);
        config.put("num_attention_heads", 4);
        config.put("num_key_value_heads", 2);
        config.put("max_position_embeddings", 128);
        config.put("rms_norm_eps", 1e-6);
        config.put("rope_theta", 10000.0);
        config.put("tie_word_embeddings", false);
        config.put("bos_token_id", 1);
        config.put("eos_token_id", 2);
        config.put("torch_dtype", dtype.torchDtype());
        overrides.forEach((k, v) -> config.set(k, JSON.valueToTree(v)));
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        ModelConfig parsed = ModelConfig.load(dir);
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            List<TensorSource> sources = new ArrayList<>();
            for (WeightSpec spec : HfWeightNames.expected(parsed)) {
                if (skip.test(spec.name())) {
                    continue;
                }
                boolean norm = spec.name().endsWith("norm.weight");
                sources.add(TensorSource.lazy(spec.name(), spec.shape(), () -> norm
                        ? m.randomUniform(0.8f, 1.2f, new Shape(spec.shape()))
                        : m.randomNormal(0f, 0.2f, new Shape(spec.shape()), ai.djl.ndarray.types.DataType.FLOAT32)));
            }
            SafetensorsWriter.writeModel(dir, sources, dtype, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        Path stories = Fixtures.stories260K();
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(stories.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    static Path write(Path dir, String architecture, Map<String, Object> overrides) throws IOException {
        return write(dir, architecture, overrides, SafetensorsDType.F32, name -> false);
    }
}
