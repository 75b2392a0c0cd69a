package io.tuneforge.core.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The numbers of a decoder-only transformer that size its training memory, read from the model's Hugging Face
 * {@code config.json}.
 *
 * @param hiddenSize        {@code hidden_size}: width of the residual stream
 * @param layers            {@code num_hidden_layers}
 * @param intermediateSize  {@code intermediate_size}: width of the MLP
 * @param attentionHeads    {@code num_attention_heads}
 * @param keyValueHeads     {@code num_key_value_heads} (grouped-query attention; = heads when absent)
 * @param vocabSize         {@code vocab_size}
 * @param tiedEmbeddings    {@code tie_word_embeddings}: the LM head shares the embedding matrix
 * @param headDim           {@code head_dim}: width of one attention head (= hidden_size / heads when absent; Qwen3
 *                          and Gemma set it wider, so their attention projections are not hidden × hidden)
 */
public record ModelDimensions(int hiddenSize, int layers, int intermediateSize, int attentionHeads,
        int keyValueHeads, int vocabSize, boolean tiedEmbeddings, int headDim) {

    /** Dimensions whose heads split the hidden width evenly (Llama, Mistral, Qwen2). */
    public ModelDimensions(int hiddenSize, int layers, int intermediateSize, int attentionHeads, int keyValueHeads,
            int vocabSize, boolean tiedEmbeddings) {
        this(hiddenSize, layers, intermediateSize, attentionHeads, keyValueHeads, vocabSize, tiedEmbeddings,
                hiddenSize / attentionHeads);
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Reads {@code config.json} in a model folder. */
    public static ModelDimensions read(Path modelDirectory) {
        Path file = modelDirectory.resolve("config.json");
        try {
            JsonNode c = JSON.readTree(Files.readString(file));
            refusePreQuantized(c, modelDirectory);
            int hidden = required(c, "hidden_size", file);
            int heads = required(c, "num_attention_heads", file);
            return new ModelDimensions(hidden, required(c, "num_hidden_layers", file),
                    required(c, "intermediate_size", file), heads,
                    c.has("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads,
                    required(c, "vocab_size", file), c.path("tie_word_embeddings").asBoolean(false),
                    c.path("head_dim").isNumber() ? c.get("head_dim").asInt() : hidden / heads);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": the model folder needs a config.json", e);
        } catch (JacksonException e) {
            throw new JobRefusedException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Refuses a checkpoint quantized ahead of time ({@code quantization_config} in config.json: GPTQ, AWQ, AQLM,
     * bitsandbytes-saved...): TuneForge reads float weights and quantizes on the fly (quantization_bit) instead.
     *
     * @throws io.tuneforge.shared.recipe.RecipeException naming {@code model_name_or_path}
     */
    static void refusePreQuantized(JsonNode config, Path modelDirectory) {
        JsonNode quantization = config.path("quantization_config");
        if (quantization.isObject()) {
            String method = quantization.path("quant_method").asString("unknown");
            throw new io.tuneforge.shared.recipe.RecipeException("model_name_or_path", modelDirectory.toString(),
                    "a model with float (F32/F16/BF16) weights",
                    "model_name_or_path: " + modelDirectory + " is pre-quantized (quantization_config.quant_method "
                            + method + "); TuneForge does not load pre-quantized (GPTQ, AWQ, AQLM, bitsandbytes-saved) "
                            + "weights: choose the unquantized model and set quantization_bit: 4 to quantize it on "
                            + "the fly (QLoRA)");
        }
    }

    private static int required(JsonNode config, String field, Path file) {
        JsonNode value = config.get(field);
        if (value == null || !value.isNumber()) {
            throw new JobRefusedException(file + " has no numeric '" + field
                    + "': only decoder-only transformer configs (Llama, Qwen, Mistral...) can be estimated");
        }
        return value.asInt();
    }

    /** Width of the query projection's output (and the output projection's input): heads × head_dim. */
    public long queryWidth() {
        return (long) headDim * attentionHeads;
    }

    /** Width of the key/value projections. */
    public long keyValueWidth() {
        return (long) headDim * keyValueHeads;
    }

    /** Parameters of one decoder layer (attention, MLP, two norms). */
    public long parametersPerLayer() {
        long h = hiddenSize;
        long attention = h * queryWidth() * 2 + h * keyValueWidth() * 2; // q (q, h), o (h, q); k, v: (kv, h)
        long mlp = 3L * h * intermediateSize; // gate, up, down
        return attention + mlp + 2 * h;
    }

    /** All parameters: embeddings, layers, final norm, LM head unless tied. */
    public long parameters() {
        long embeddings = (long) vocabSize * hiddenSize;
        return embeddings * (tiedEmbeddings ? 1 : 2) + layers * parametersPerLayer() + hiddenSize;
    }
}
