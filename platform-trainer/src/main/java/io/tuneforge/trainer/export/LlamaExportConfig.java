package io.tuneforge.trainer.export;

import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fields of a Hugging Face Llama {@code config.json} that GGUF metadata needs.
 *
 * @param contextLength      max_position_embeddings: llama.context_length
 * @param hiddenSize         hidden_size: llama.embedding_length
 * @param layers             num_hidden_layers: llama.block_count
 * @param intermediateSize   intermediate_size: llama.feed_forward_length
 * @param heads              num_attention_heads: llama.attention.head_count
 * @param kvHeads            num_key_value_heads (defaults to heads): llama.attention.head_count_kv
 * @param headDim            head_dim (defaults to hidden/heads): llama.rope.dimension_count
 * @param rmsNormEps         rms_norm_eps: llama.attention.layer_norm_rms_epsilon
 * @param ropeTheta          rope_theta (default 10000): llama.rope.freq_base
 * @param vocabSize          vocab_size: llama.vocab_size
 * @param tiedEmbeddings     tie_word_embeddings: the output matrix is the embedding (no output.weight)
 * @param linearRopeFactor   rope_scaling {"type":"linear","factor":f}: f, else 0 (no scaling)
 */
public record LlamaExportConfig(int contextLength, int hiddenSize, int layers, int intermediateSize, int heads,
                                int kvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
                                boolean tiedEmbeddings, double linearRopeFactor) {

    /** Reads {@code dir/config.json}; refuses non-Llama architectures and RoPE scalings GGUF export cannot carry. */
    public static LlamaExportConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ExportException(dir + ": no config.json; point --model at a Hugging Face model directory");
        }
        JsonNode c = JsonMapper.builder().build().readTree(file.toFile());
        String type = c.path("model_type").asString("");
        if (!type.equals("llama") && !type.equals("mistral")) {
            throw new ExportException(file + ": model_type \"" + type + "\" is not supported; GGUF export writes the "
                    + "llama architecture (model_type llama or mistral)");
        }
        int hidden = required(file, c, "hidden_size");
        int heads = required(file, c, "num_attention_heads");
        double linear = 0;
        JsonNode scaling = c.path("rope_scaling");
        if (!scaling.isMissingNode() && !scaling.isNull()) {
            String kind = scaling.path("rope_type").asString(scaling.path("type").asString(""));
            if (!kind.equals("linear")) {
                throw new ExportException(file + ": rope_scaling type \"" + kind + "\" is not supported by GGUF "
                        + "export yet (only linear)");
            }
            linear = scaling.path("factor").asDouble(1);
        }
        return new LlamaExportConfig(
                c.path("max_position_embeddings").asInt(2048), hidden, required(file, c, "num_hidden_layers"),
                required(file, c, "intermediate_size"), heads, c.path("num_key_value_heads").asInt(heads),
                c.path("head_dim").asInt(hidden / heads), c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000), required(file, c, "vocab_size"),
                c.path("tie_word_embeddings").asBoolean(false), linear);
    }

    private static int required(Path file, JsonNode c, String field) {
        int v = c.path(field).asInt(0);
        if (v <= 0) {
            throw new ExportException(file + ": field \"" + field + "\" is missing or not a positive integer");
        }
        return v;
    }
}
