package io.tuneforge.core.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
 * @param experts           the mixture of experts (Mixtral, Qwen2-MoE, Qwen3-MoE), empty for a dense model
 */
public record ModelDimensions(int hiddenSize, int layers, int intermediateSize, int attentionHeads,
        int keyValueHeads, int vocabSize, boolean tiedEmbeddings, int headDim, Optional<Experts> experts) {

    /** A dense model whose heads split the hidden width evenly (Llama, Mistral, Qwen2). */
    public ModelDimensions(int hiddenSize, int layers, int intermediateSize, int attentionHeads, int keyValueHeads,
            int vocabSize, boolean tiedEmbeddings) {
        this(hiddenSize, layers, intermediateSize, attentionHeads, keyValueHeads, vocabSize, tiedEmbeddings,
                hiddenSize / attentionHeads, Optional.empty());
    }

    /** A dense model with its own head width (Qwen3, Gemma). */
    public ModelDimensions(int hiddenSize, int layers, int intermediateSize, int attentionHeads, int keyValueHeads,
            int vocabSize, boolean tiedEmbeddings, int headDim) {
        this(hiddenSize, layers, intermediateSize, attentionHeads, keyValueHeads, vocabSize, tiedEmbeddings, headDim,
                Optional.empty());
    }

    /** A model whose heads split the hidden width evenly, with its experts if any. */
    public ModelDimensions(int hiddenSize, int layers, int intermediateSize, int attentionHeads, int keyValueHeads,
            int vocabSize, boolean tiedEmbeddings, Optional<Experts> experts) {
        this(hiddenSize, layers, intermediateSize, attentionHeads, keyValueHeads, vocabSize, tiedEmbeddings,
                hiddenSize / attentionHeads, experts);
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * A sparse model's experts, read from {@code config.json}.
     *
     * @param count            routed experts per sparse layer ({@code num_local_experts} / {@code num_experts})
     * @param perToken         experts each token runs through ({@code num_experts_per_tok})
     * @param intermediateSize width of one expert ({@code moe_intermediate_size}; Mixtral {@code intermediate_size})
     * @param sharedSize       width of Qwen2-MoE's shared expert ({@code shared_expert_intermediate_size}), 0 if none
     * @param sparseLayers     layers whose MLP is the sparse block (Qwen: not in {@code mlp_only_layers}, every
     *                         {@code decoder_sparse_step}-th)
     */
    public record Experts(int count, int perToken, int intermediateSize, int sharedSize, int sparseLayers) {
    }

    /** Reads {@code config.json} in a model folder. */
    public static ModelDimensions read(Path modelDirectory) {
        Path file = modelDirectory.resolve("config.json");
        try {
            JsonNode c = JSON.readTree(Files.readString(file));
            refusePreQuantized(c, modelDirectory);
            if (c.path("model_type").asString("").equals("t5")) {
                return t5(c, file);
            }
            int hidden = required(c, "hidden_size", file);
            int heads = required(c, "num_attention_heads", file);
            return new ModelDimensions(hidden, required(c, "num_hidden_layers", file),
                    required(c, "intermediate_size", file), heads,
                    c.has("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads,
                    required(c, "vocab_size", file), c.path("tie_word_embeddings").asBoolean(false),
                    c.path("head_dim").isNumber() ? c.get("head_dim").asInt() : hidden / heads,
                    experts(c, required(c, "num_hidden_layers", file), file));
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

    /**
     * A T5 / Flan-T5 encoder-decoder (DD036) as the decoder-only model with the same weights: encoder plus decoder
     * blocks as layers, d_model wide, num_heads × d_kv attention, and an intermediate width chosen so that
     * 3·h·I per layer holds each layer's feed-forward (2 or 3 matrices of d_ff) and the decoder's cross-attention
     * (4·h·inner per decoder block): the parameter count is exact up to a few norm vectors, memory an estimate of the same order.
     */
    private static ModelDimensions t5(JsonNode c, Path file) {
        int hidden = required(c, "d_model", file);
        int heads = required(c, "num_heads", file);
        int headDim = required(c, "d_kv", file);
        int encoder = required(c, "num_layers", file);
        int decoder = c.path("num_decoder_layers").isNumber() ? c.get("num_decoder_layers").asInt() : encoder;
        int layers = encoder + decoder;
        long ffMatrices = c.path("feed_forward_proj").asString("relu").startsWith("gated-") ? 3 : 2;
        long perModel = 4L * decoder * heads * headDim + layers * ffMatrices * required(c, "d_ff", file);
        int intermediate = (int) Math.round(perModel / (3.0 * layers));
        boolean untied = c.path("tie_word_embeddings").isBoolean() && !c.get("tie_word_embeddings").asBoolean();
        return new ModelDimensions(hidden, layers, intermediate, heads, heads, required(c, "vocab_size", file),
                !untied, headDim);
    }

    /** The experts of a config naming {@code num_experts_per_tok}; empty for a dense config. */
    private static Optional<Experts> experts(JsonNode c, int layers, Path file) {
        if (!c.path("num_experts_per_tok").isNumber()) {
            return Optional.empty();
        }
        int count = c.path("num_experts").isNumber() ? c.path("num_experts").asInt()
                : required(c, "num_local_experts", file);
        int width = c.path("moe_intermediate_size").isNumber() ? c.path("moe_intermediate_size").asInt()
                : required(c, "intermediate_size", file);
        int step = Math.max(1, c.path("decoder_sparse_step").asInt(1));
        java.util.Set<Integer> dense = new java.util.HashSet<>();
        c.path("mlp_only_layers").forEach(n -> dense.add(n.asInt()));
        int sparse = 0;
        for (int i = 0; i < layers; i++) {
            sparse += !dense.contains(i) && (i + 1) % step == 0 ? 1 : 0;
        }
        return Optional.of(new Experts(count, c.path("num_experts_per_tok").asInt(), width,
                c.path("shared_expert_intermediate_size").asInt(0), sparse));
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

    /** Parameters of one decoder layer (attention, MLP, two norms); for a mixture of experts the mean over layers. */
    public long parametersPerLayer() {
        return layerParameters() / layers;
    }

    /** Parameters of all decoder layers: attention, dense MLPs or sparse blocks (every expert), norms. */
    private long layerParameters() {
        long h = hiddenSize;
        long attention = h * queryWidth() * 2 + h * keyValueWidth() * 2; // q (q, h), o (h, q); k, v: (kv, h)
        long mlp = 3L * h * intermediateSize; // gate, up, down
        long dense = attention + mlp + 2 * h;
        if (experts.isEmpty()) {
            return layers * dense;
        }
        Experts e = experts.get();
        long sparse = attention + 2 * h + sparseBlock(e, e.count());
        return (long) (layers - e.sparseLayers()) * dense + (long) e.sparseLayers() * sparse;
    }

    /** A sparse block with {@code experts} experts: router (E, h), experts, shared expert and its gate (1, h). */
    private long sparseBlock(Experts e, int experts) {
        long h = hiddenSize;
        long shared = e.sharedSize() > 0 ? 3L * h * e.sharedSize() + h : 0;
        return (long) e.count() * h + (long) experts * 3L * h * e.intermediateSize() + shared;
    }

    /** All parameters: embeddings, layers, final norm, LM head unless tied. */
    public long parameters() {
        long embeddings = (long) vocabSize * hiddenSize;
        return embeddings * (tiedEmbeddings ? 1 : 2) + layerParameters() + hiddenSize;
    }

    /**
     * Parameters one token computes with: all of a dense model; for a mixture of experts only its
     * {@code num_experts_per_tok} experts of each sparse layer (Mixtral 8x7B: about 12.9 of 46.7 billion).
     */
    public long activeParameters() {
        if (experts.isEmpty()) {
            return parameters();
        }
        Experts e = experts.get();
        long idle = (long) e.sparseLayers() * (sparseBlock(e, e.count()) - sparseBlock(e, e.perToken()));
        return parameters() - idle;
    }
}
