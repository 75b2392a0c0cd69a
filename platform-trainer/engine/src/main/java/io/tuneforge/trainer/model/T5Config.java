package io.tuneforge.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import tools.jackson.databind.JsonNode;

/**
 * The shape and flags of a T5 encoder-decoder ({@code T5ForConditionalGeneration}: T5 v1.0, T5 v1.1, Flan-T5), read
 * from its {@code config.json}.
 *
 * @param vocabSize           rows of {@code shared} (the token embedding of both stacks) and of the LM head
 * @param dModel              residual stream width C ({@code d_model})
 * @param dKv                 width of one attention head ({@code d_kv}); the heads together span num_heads·d_kv,
 *                            which need not equal d_model
 * @param dFf                 feed-forward inner width ({@code d_ff})
 * @param numLayers           encoder blocks ({@code num_layers})
 * @param numDecoderLayers    decoder blocks ({@code num_decoder_layers}; default num_layers)
 * @param numHeads            attention heads ({@code num_heads})
 * @param numBuckets          relative position buckets ({@code relative_attention_num_buckets}, default 32)
 * @param maxDistance         distance from which all positions share the last bucket
 *                            ({@code relative_attention_max_distance}, default 128)
 * @param activation          the feed-forward activation ({@code feed_forward_proj} after its optional
 *                            {@code gated-} prefix: relu, or gelu_new for "gated-gelu")
 * @param gated               the feed-forward is gated: {@code wo(act(wi_0 x) · wi_1 x)} (v1.1, Flan-T5), else
 *                            {@code wo(act(wi x))} (v1.0)
 * @param scaleDecoderOutputs the decoder output is multiplied by d_model^-0.5 before the LM head (T5 v1.0, whose
 *                            head is the shared embedding): {@code scale_decoder_outputs} as transformers 5 writes
 *                            it, else {@code tie_word_embeddings} as older configs carry it (default true)
 * @param layerNormEps        epsilon inside every RMS-style layer norm ({@code layer_norm_epsilon})
 * @param decoderStartTokenId the first decoder input ({@code decoder_start_token_id}, default the pad id)
 * @param padTokenId          {@code pad_token_id} (default 0)
 * @param eosTokenIds         every {@code eos_token_id} (default 1); the first ends the source
 * @param maxPositions        the longest sequence TuneForge should expect ({@code n_positions}, default 512; the
 *                            relative buckets themselves have no limit)
 * @param torchDtype          the dtype the weights were saved in ({@code torch_dtype} / {@code dtype})
 */
public record T5Config(
        int vocabSize,
        int dModel,
        int dKv,
        int dFf,
        int numLayers,
        int numDecoderLayers,
        int numHeads,
        int numBuckets,
        int maxDistance,
        String activation,
        boolean gated,
        boolean scaleDecoderOutputs,
        double layerNormEps,
        int decoderStartTokenId,
        int padTokenId,
        List<Integer> eosTokenIds,
        int maxPositions,
        String torchDtype) {

    /** The feed-forward activations TuneForge computes (transformers' ACT2FN names). */
    static final List<String> ACTIVATIONS = List.of("relu", "gelu_new");

    public T5Config {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (vocabSize <= 0 || dModel <= 0 || dKv <= 0 || dFf <= 0 || numLayers <= 0 || numDecoderLayers <= 0
                || numHeads <= 0 || numBuckets < 2 || maxDistance <= 0) {
            throw new ModelConfigException("T5 config has a non-positive size: vocab " + vocabSize + ", d_model "
                    + dModel + ", d_kv " + dKv + ", d_ff " + dFf + ", layers " + numLayers + "/" + numDecoderLayers
                    + ", heads " + numHeads + ", buckets " + numBuckets + ", max distance " + maxDistance);
        }
        if (eosTokenIds.isEmpty()) {
            throw new ModelConfigException("T5 config has no eos_token_id; the source must end with one");
        }
    }

    /** Width of all heads together, num_heads·d_kv (the q/k/v output and o input size). */
    public int innerDim() {
        return numHeads * dKv;
    }

    /** The token that ends the source (the first {@code eos_token_id}). */
    public int eosTokenId() {
        return eosTokenIds.getFirst();
    }

    /** Reads {@code config.json} of a T5 model directory. */
    public static T5Config load(java.nio.file.Path directory) {
        java.nio.file.Path file = directory.resolve("config.json");
        try {
            return parse(tools.jackson.databind.json.JsonMapper.builder().build()
                    .readTree(java.nio.file.Files.readString(file)), file);
        } catch (tools.jackson.core.JacksonException e) {
            throw new ModelConfigException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new ModelConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a T5 {@code config.json} tree; {@code source} names it in messages.
     */
    public static T5Config parse(JsonNode root, Object source) {
        String projection = root.path("feed_forward_proj").asString("relu");
        String[] parts = projection.split("-");
        boolean gated = parts.length == 2 && parts[0].equals("gated");
        if (parts.length > 2 || parts.length == 2 && !gated) {
            throw new ModelConfigException(source + ": feed_forward_proj '" + projection
                    + "' is not of the form 'ACT' or 'gated-ACT'");
        }
        String activation = parts[parts.length - 1];
        if (projection.equals("gated-gelu")) {
            activation = "gelu_new";                                 // transformers' backwards-compatible mapping
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw new ModelConfigException(source + ": feed_forward_proj '" + projection + "' (activation '"
                    + activation + "') is not supported; TuneForge runs relu, gated-relu, gated-gelu and gelu_new");
        }
        int dModel = required(root, "d_model", source);
        int numLayers = required(root, "num_layers", source);
        JsonNode scale = root.path("scale_decoder_outputs");
        boolean scaleOutputs = scale.isBoolean() ? scale.asBoolean()
                : !(root.path("tie_word_embeddings").isBoolean() && !root.path("tie_word_embeddings").asBoolean());
        int pad = root.path("pad_token_id").isNumber() ? root.path("pad_token_id").asInt() : 0;
        return new T5Config(
                required(root, "vocab_size", source), dModel, required(root, "d_kv", source),
                required(root, "d_ff", source), numLayers,
                root.path("num_decoder_layers").isNumber() ? root.path("num_decoder_layers").asInt() : numLayers,
                required(root, "num_heads", source),
                root.path("relative_attention_num_buckets").asInt(32),
                root.path("relative_attention_max_distance").asInt(128),
                activation, gated, scaleOutputs,
                root.path("layer_norm_epsilon").asDouble(1e-6),
                root.path("decoder_start_token_id").isNumber() ? root.path("decoder_start_token_id").asInt() : pad,
                pad, eosIds(root.path("eos_token_id")),
                root.path("n_positions").asInt(512),
                root.path("torch_dtype").asString(root.path("dtype").asString("float32")).toLowerCase(Locale.ROOT));
    }

    private static List<Integer> eosIds(JsonNode node) {
        List<Integer> ids = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> ids.add(n.asInt()));
        } else if (node.isNumber()) {
            ids.add(node.asInt());
        } else {
            ids.add(1);
        }
        return ids;
    }

    private static int required(JsonNode root, String field, Object source) {
        JsonNode n = root.path(field);
        if (!n.isNumber()) {
            throw new ModelConfigException(source + ": required field '" + field + "' is missing or not a number");
        }
        return n.asInt();
    }
}
