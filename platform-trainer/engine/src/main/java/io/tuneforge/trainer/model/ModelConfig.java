package io.tuneforge.trainer.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shape and flags of a Llama-family model, read from a Hugging Face {@code config.json}.
 *
 * @param architecture          which transformers class the checkpoint was saved from
 * @param vocabSize             rows of the embedding and of the LM head ({@code vocab_size})
 * @param hiddenSize            residual stream width C ({@code hidden_size})
 * @param intermediateSize      SwiGLU inner width ({@code intermediate_size})
 * @param numLayers             decoder blocks ({@code num_hidden_layers})
 * @param numHeads              query heads ({@code num_attention_heads})
 * @param numKvHeads            key/value heads, a divisor of numHeads ({@code num_key_value_heads}; default numHeads)
 * @param headDim               width of one head ({@code head_dim}; default hiddenSize / numHeads)
 * @param maxPositions          longest sequence the RoPE tables cover ({@code max_position_embeddings})
 * @param rmsNormEps            epsilon inside every RMSNorm ({@code rms_norm_eps})
 * @param ropeTheta             RoPE base frequency ({@code rope_theta}, inside {@code rope_parameters} in
 *                              transformers 5; default 10000)
 * @param ropeScaling           {@code rope_scaling} / {@code rope_parameters} when present and not {@code default}
 * @param qkvBias               q, k and v projections have biases (Qwen2 always; Llama when {@code attention_bias})
 * @param oBias                 the output projection has a bias (Llama {@code attention_bias})
 * @param mlpBias               gate, up and down projections have biases (Llama {@code mlp_bias})
 * @param qkNorm                an RMSNorm over head_dim is applied to q and k before RoPE (Qwen3)
 * @param tieWordEmbeddings     the LM head is the token embedding ({@code tie_word_embeddings})
 * @param slidingWindow         attention looks back at most this many tokens (Mistral {@code sliding_window};
 *                              and Phi-3 {@code sliding_window}; Qwen2 only with {@code use_sliding_window})
 * @param bosTokenId            {@code bos_token_id}, if any
 * @param eosTokenIds           every {@code eos_token_id} (an int or a list in config.json)
 * @param torchDtype            the dtype the weights were saved in ({@code torch_dtype}), e.g. {@code bfloat16}
 * @param gemma                 the Gemma 2/3 specifics, empty for other families
 * @param moe                   the mixture-of-experts fields (Mixtral, Qwen2-MoE, Qwen3-MoE), empty for dense models
 */
public record ModelConfig(
        ModelArchitecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        Optional<RopeScaling> ropeScaling,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        boolean qkNorm,
        boolean tieWordEmbeddings,
        OptionalInt slidingWindow,
        OptionalInt bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype,
        Optional<GemmaSpec> gemma,
        Optional<MoeSpec> moe) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numKvHeads <= 0 || numHeads % numKvHeads != 0) {
            throw new ModelConfigException("num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numLayers <= 0 || headDim <= 0
                || headDim % 2 != 0) {
            throw new ModelConfigException("config has a non-positive size or an odd head_dim: vocab " + vocabSize
                    + ", hidden " + hiddenSize + ", intermediate " + intermediateSize + ", layers " + numLayers
                    + ", head_dim " + headDim);
        }
    }

    /** This config with another RoPE base and scaling (Gemma 3's sliding layers). */
    public ModelConfig withRope(double theta, Optional<RopeScaling> scaling) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                headDim, maxPositions, rmsNormEps, theta, scaling, qkvBias, oBias, mlpBias, qkNorm, tieWordEmbeddings,
                slidingWindow, bosTokenId, eosTokenIds, torchDtype, gemma, moe);
    }

    /**
     * A T5's decoder-shaped view that code common to all families reads (vocabulary, widths, layers, special tokens):
     * hidden size d_model, intermediate d_ff, the decoder's layers, one key/value head per head, no RoPE; the head
     * counts as tied exactly when the decoder output is scaled (T5 v1.0), since transformers decides the tie by the
     * checkpoint (an {@code lm_head.weight} it holds is used).
     */
    public static ModelConfig of(T5Config t5) {
        return new ModelConfig(ModelArchitecture.T5, t5.vocabSize(), t5.dModel(), t5.dFf(), t5.numDecoderLayers(),
                t5.numHeads(), t5.numHeads(), t5.dKv(), t5.maxPositions(), t5.layerNormEps(), 10000.0,
                Optional.empty(), false, false, false, false, t5.scaleDecoderOutputs(), OptionalInt.empty(),
                OptionalInt.empty(), t5.eosTokenIds(), t5.torchDtype(), Optional.empty(), Optional.empty());
    }

    /** Query heads per key/value head (GQA group size). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /**
     * Refuses a checkpoint quantized ahead of time (config.json's {@code quantization_config}, e.g. GPTQ, AWQ,
     * bitsandbytes-saved): its weights are packed integers TuneForge does not read; it quantizes on the fly instead.
     */
    static void refusePreQuantized(JsonNode root, Object source) {
        JsonNode quantization = root.path("quantization_config");
        if (quantization.isObject()) {
            String method = quantization.path("quant_method").asString(
                    quantization.path("load_in_4bit").asBoolean(false) || quantization.path("load_in_8bit")
                            .asBoolean(false) ? "bitsandbytes" : "unknown");
            throw new ModelConfigException(source + ": this checkpoint is pre-quantized (quantization_config."
                    + "quant_method " + method + "); TuneForge does not load pre-quantized (GPTQ, AWQ, AQLM, "
                    + "bitsandbytes-saved, ...) weights. Start from the unquantized model and set "
                    + "quantization_bit: 4 to quantize it on the fly (QLoRA)");
        }
    }

    /** Reads {@code config.json} of a model directory. */
    public static ModelConfig load(Path modelDirectory) {
        Path file = modelDirectory.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelConfigException(modelDirectory + " has no config.json: point --model at a Hugging Face "
                    + "model directory (config.json, model.safetensors, tokenizer.json)");
        }
        try {
            return parse(JSON.readTree(Files.readString(file)), file);
        } catch (JacksonException e) {
            throw new ModelConfigException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a {@code config.json} tree; {@code source} names it in messages. */
    public static ModelConfig parse(JsonNode root, Object source) {
        refusePreQuantized(root, source);
        JsonNode architectures = root.path("architectures");
        if (!architectures.isArray() || architectures.isEmpty()) {
            throw new ModelConfigException(source + ": field 'architectures' is missing; expected e.g. [\"LlamaForCausalLM\"]");
        }
        ModelArchitecture architecture = ModelArchitecture.fromHfName(architectures.get(0).asString(), source);
        if (architecture.isEncoderDecoder()) {
            return of(T5Config.parse(root, source));
        }
        String act = architecture.isGemma()
                ? root.path("hidden_activation").asString(root.path("hidden_act").asString("gelu_pytorch_tanh"))
                : root.path("hidden_act").asString("silu");
        boolean actSupported = architecture.isGemma()
                ? act.equals("gelu_pytorch_tanh")
                : act.equals("silu") || act.equals("swish");
        if (!actSupported) {
            throw new ModelConfigException(source + ": hidden_act '" + act + "' is not supported (only "
                    + (architecture.isGemma() ? "gelu_pytorch_tanh" : "silu") + " for " + architecture.hfName() + ")");
        }
        int hidden = required(root, "hidden_size", source);
        int heads = required(root, "num_attention_heads", source);
        int kvHeads = root.path("num_key_value_heads").isNumber() ? root.path("num_key_value_heads").asInt() : heads;
        int headDim = root.path("head_dim").isNumber() ? root.path("head_dim").asInt() : hidden / heads;
        boolean attentionBias = root.path("attention_bias").asBoolean(false);
        boolean qkvBias = switch (architecture) {
            case QWEN2 -> true;
            case QWEN2_MOE -> root.path("qkv_bias").asBoolean(true);
            case QWEN3, QWEN3_MOE, LLAMA -> attentionBias;
            case MISTRAL, PHI3, MIXTRAL, T5 -> false;
            case GEMMA2, GEMMA3 -> attentionBias;
        };
        boolean oBias = (architecture == ModelArchitecture.LLAMA || architecture == ModelArchitecture.QWEN3
                || architecture == ModelArchitecture.QWEN3_MOE || architecture.isGemma()) && attentionBias;
        if (architecture == ModelArchitecture.QWEN2_MOE && root.path("use_sliding_window").asBoolean(false)) {
            throw new ModelConfigException(source + ": use_sliding_window is not supported for Qwen2MoeForCausalLM "
                    + "(its sliding layers follow max_window_layers); set it to false");
        }
        OptionalInt window = OptionalInt.empty();
        JsonNode sw = root.path("sliding_window");
        if (sw.isNumber() && (architecture == ModelArchitecture.MISTRAL || architecture == ModelArchitecture.PHI3
                || architecture == ModelArchitecture.MIXTRAL || root.path("use_sliding_window").asBoolean(false))) {
            window = OptionalInt.of(sw.asInt());
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = root.path("eos_token_id");
        if (eosNode.isArray()) {
            eosNode.forEach(n -> eos.add(n.asInt()));
        } else if (eosNode.isNumber()) {
            eos.add(eosNode.asInt());
        }
        return new ModelConfig(
                architecture,
                required(root, "vocab_size", source),
                hidden,
                required(root, "intermediate_size", source),
                required(root, "num_hidden_layers", source),
                heads,
                kvHeads,
                headDim,
                root.path("max_position_embeddings").asInt(2048),
                root.path("rms_norm_eps").asDouble(1e-6),
                ropeTheta(root),
                ropeScaling(root, headDim, source),
                qkvBias,
                oBias,
                root.path("mlp_bias").asBoolean(false),
                architecture == ModelArchitecture.QWEN3 || architecture == ModelArchitecture.QWEN3_MOE
                        || architecture == ModelArchitecture.GEMMA3,
                root.path("tie_word_embeddings").asBoolean(architecture.isGemma()),
                window,
                root.path("bos_token_id").isNumber() ? OptionalInt.of(root.path("bos_token_id").asInt()) : OptionalInt.empty(),
                eos,
                root.path("torch_dtype").asString(root.path("dtype").asString("float32")),
                architecture.isGemma() ? Optional.of(gemma(root, architecture, required(root, "num_hidden_layers", source),
                        source)) : Optional.empty(),
                architecture.isMoe() ? Optional.of(MoeSpec.parse(root, architecture,
                        required(root, "num_hidden_layers", source), source)) : Optional.empty());
    }

    /** Gemma 2/3: query scalar, soft-capping, layer types (default: Gemma 2 alternates, Gemma 3 one full in six). */
    private static GemmaSpec gemma(JsonNode root, ModelArchitecture architecture, int layers, Object source) {
        List<Boolean> sliding = new ArrayList<>();
        JsonNode types = root.path("layer_types");
        if (types.isArray()) {
            if (types.size() != layers) {
                throw new ModelConfigException(source + ": layer_types has " + types.size() + " entries for "
                        + layers + " layers");
            }
            types.forEach(t -> sliding.add(t.asString().equals("sliding_attention")));
        } else {
            int pattern = architecture == ModelArchitecture.GEMMA2 ? 2
                    : root.path("sliding_window_pattern").asInt(root.path("_sliding_window_pattern").asInt(6));
            for (int i = 0; i < layers; i++) {
                sliding.add((i + 1) % pattern != 0);
            }
        }
        JsonNode local = root.path("rope_parameters").path("sliding_attention").path("rope_theta");
        OptionalDouble localTheta = architecture != ModelArchitecture.GEMMA3 ? OptionalDouble.empty()
                : OptionalDouble.of(local.isNumber() ? local.asDouble() : root.path("rope_local_base_freq").asDouble(10000.0));
        return new GemmaSpec(root.path("query_pre_attn_scalar").asDouble(256), optionalDouble(root, "attn_logit_softcapping"),
                optionalDouble(root, "final_logit_softcapping"), sliding, root.path("sliding_window").asInt(4096),
                localTheta);
    }

    private static OptionalDouble optionalDouble(JsonNode root, String field) {
        return root.path(field).isNumber() ? OptionalDouble.of(root.path(field).asDouble()) : OptionalDouble.empty();
    }

    /**
     * The RoPE settings object: {@code rope_parameters} as transformers 5 writes it (theta inside), else
     * {@code rope_scaling} as transformers 4 did (theta at top level).
     */
    private static JsonNode ropeNode(JsonNode root) {
        JsonNode parameters = root.path("rope_parameters");
        if (parameters.path("full_attention").isObject()) {
            return parameters.path("full_attention");           // Gemma 3: per layer type; sliding: GemmaSpec
        }
        return parameters.isObject() ? parameters : root.path("rope_scaling");
    }

    /** {@code rope_parameters.rope_theta} (transformers 5), else {@code rope_theta}, else 10000. */
    private static double ropeTheta(JsonNode root) {
        JsonNode inside = ropeNode(root).path("rope_theta");
        return inside.isNumber() ? inside.asDouble() : root.path("rope_theta").asDouble(10000.0);
    }

    private static Optional<RopeScaling> ropeScaling(JsonNode root, int headDim, Object source) {
        JsonNode node = ropeNode(root);
        double partialRotary = node.path("partial_rotary_factor").asDouble(root.path("partial_rotary_factor").asDouble(1.0));
        if (partialRotary != 1.0) {
            throw new ModelConfigException(source + ": partial_rotary_factor " + partialRotary
                    + " is not supported (RoPE over the whole head only)");
        }
        if (!node.isObject()) {
            return Optional.empty();
        }
        String type = node.path("rope_type").asString(node.path("type").asString("default")).toLowerCase(Locale.ROOT);
        return switch (type) {
            case "default" -> Optional.empty();
            case "llama3" -> Optional.of(new RopeScaling(type, node.path("factor").asDouble(8.0),
                    node.path("low_freq_factor").asDouble(1.0), node.path("high_freq_factor").asDouble(4.0),
                    node.path("original_max_position_embeddings").asInt(8192)));
            case "linear" -> Optional.of(new RopeScaling(type, node.path("factor").asDouble(1.0), 0, 0, 0));
            case "longrope", "su" -> Optional.of(longRope(root, node, headDim, source));
            default -> throw new ModelConfigException(source + ": rope_scaling type '" + type
                    + "' is not supported (supported: llama3, linear, longrope/su, default)");
        };
    }

    /**
     * transformers' {@code _compute_longrope_parameters}: factor = max_position_embeddings / original (unless given),
     * attention factor √(1 + ln factor / ln original) when factor &gt; 1 (unless given).
     */
    private static RopeScaling longRope(JsonNode root, JsonNode node, int headDim, Object source) {
        int original = node.path("original_max_position_embeddings").isNumber()
                ? node.path("original_max_position_embeddings").asInt()
                : root.path("original_max_position_embeddings").asInt(root.path("max_position_embeddings").asInt(2048));
        double factor = node.path("factor").isNumber() ? node.path("factor").asDouble()
                : root.path("max_position_embeddings").asDouble(original) / original;
        double attention = node.path("attention_factor").isNumber() ? node.path("attention_factor").asDouble()
                : factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
        return new RopeScaling("longrope", factor, 0, 0, original, factors(node, "short_factor", headDim, source),
                factors(node, "long_factor", headDim, source), attention);
    }

    private static List<Double> factors(JsonNode node, String field, int headDim, Object source) {
        JsonNode list = node.path(field);
        if (!list.isArray() || list.size() != headDim / 2) {
            throw new ModelConfigException(source + ": rope_scaling." + field + " must be a list of head_dim/2 = "
                    + headDim / 2 + " numbers");
        }
        List<Double> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asDouble()));
        return out;
    }

    private static int required(JsonNode root, String field, Object source) {
        JsonNode n = root.path(field);
        if (!n.isNumber()) {
            throw new ModelConfigException(source + ": required field '" + field + "' is missing or not a number");
        }
        return n.asInt();
    }
}
