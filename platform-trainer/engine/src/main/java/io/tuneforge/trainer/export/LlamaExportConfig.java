package io.tuneforge.trainer.export;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fields of a Hugging Face {@code config.json} that GGUF metadata needs, for the architectures llama.cpp runs
 * that TuneForge exports: Llama and Mistral (GGUF {@code llama}), Mixtral ({@code llama} with experts), Qwen2-MoE
 * ({@code qwen2moe}) and Qwen3-MoE ({@code qwen3moe}). The metadata keys are {@code <architecture>.<key>}.
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
 * @param llama3Rope         rope_scaling of rope_type "llama3" (Llama 3.1+), written as a rope_freqs tensor
 * @param architecture       general.architecture and the metadata key prefix: llama, qwen2moe or qwen3moe
 * @param experts            the mixture-of-experts layout (Mixtral, Qwen2-MoE, Qwen3-MoE); empty for dense models
 * @param declaresHeadDim    config.json names a head_dim: the converter then writes attention.key_length and
 *                           value_length (Qwen); the llama writer keeps its own rule (only when it differs)
 */
public record LlamaExportConfig(int contextLength, int hiddenSize, int layers, int intermediateSize, int heads,
                                int kvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
                                boolean tiedEmbeddings, double linearRopeFactor, Optional<Llama3Rope> llama3Rope,
                                String architecture, Optional<Experts> experts, boolean declaresHeadDim) {

    /** GGUF architecture of Llama, Mistral and Mixtral. */
    public static final String LLAMA = "llama";
    /** GGUF architecture of Qwen2-MoE. */
    public static final String QWEN2MOE = "qwen2moe";
    /** GGUF architecture of Qwen3-MoE. */
    public static final String QWEN3MOE = "qwen3moe";

    /** A dense Llama-architecture config (Llama, Mistral). */
    public LlamaExportConfig(int contextLength, int hiddenSize, int layers, int intermediateSize, int heads,
                             int kvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
                             boolean tiedEmbeddings, double linearRopeFactor, Optional<Llama3Rope> llama3Rope) {
        this(contextLength, hiddenSize, layers, intermediateSize, heads, kvHeads, headDim, rmsNormEps, ropeTheta,
                vocabSize, tiedEmbeddings, linearRopeFactor, llama3Rope, LLAMA, Optional.empty(), false);
    }

    /**
     * The expert layout, written as {@code <arch>.expert_*} metadata the way convert_hf_to_gguf.py writes it.
     *
     * @param count                   num_local_experts (or num_experts): expert_count
     * @param used                    num_experts_per_tok: expert_used_count
     * @param feedForwardLength       moe_intermediate_size (Qwen): expert_feed_forward_length; 0 = not written
     *                                (Mixtral's experts have intermediate_size, the llama feed_forward_length)
     * @param sharedFeedForwardLength shared_expert_intermediate_size (Qwen2-MoE):
     *                                expert_shared_feed_forward_length; 0 = no shared expert
     */
    public record Experts(int count, int used, int feedForwardLength, int sharedFeedForwardLength) {
    }

    /** Whether this is GGUF's llama architecture, whose q/k rows are permuted (Qwen's are not). */
    public boolean llamaArchitecture() {
        return architecture.equals(LLAMA);
    }

    /**
     * Llama 3.1's frequency-dependent RoPE scaling (rope_scaling with rope_type "llama3").
     *
     * @param factor                        scale of the low frequencies (default 8)
     * @param lowFreqFactor                 low_freq_factor (default 1)
     * @param highFreqFactor                high_freq_factor (default 4)
     * @param originalMaxPositionEmbeddings original_max_position_embeddings (default 8192)
     */
    public record Llama3Rope(double factor, double lowFreqFactor, double highFreqFactor,
                             double originalMaxPositionEmbeddings) {
    }

    /**
     * convert_hf_to_gguf.py's {@code rope_freqs}: per rotary frequency, 1 for short wavelengths, {@code factor} for
     * long ones and a smooth blend between; llama.cpp divides each frequency by it.
     */
    public float[] ropeFrequencyFactors() {
        Llama3Rope r = llama3Rope.orElseThrow();
        float[] factors = new float[headDim / 2];
        double lowWavelength = r.originalMaxPositionEmbeddings() / r.lowFreqFactor();
        double highWavelength = r.originalMaxPositionEmbeddings() / r.highFreqFactor();
        for (int i = 0; i < factors.length; i++) {
            float exponent = (float) (2 * i) / headDim;                    // float32 arange / dim, as torch does
            float freq = 1f / (float) Math.pow(ropeTheta, exponent);       // float32 pow, then float32 reciprocal
            double wavelength = 2 * Math.PI / freq;
            if (wavelength < highWavelength) {
                factors[i] = 1f;
            } else if (wavelength > lowWavelength) {
                factors[i] = (float) r.factor();
            } else {
                double smooth = (r.originalMaxPositionEmbeddings() / wavelength - r.lowFreqFactor())
                        / (r.highFreqFactor() - r.lowFreqFactor());
                factors[i] = (float) (1 / ((1 - smooth) / r.factor() + smooth));
            }
        }
        return factors;
    }

    /**
     * Reads {@code dir/config.json}; refuses architectures and variants llama.cpp's GGUF form cannot carry (with the
     * reason), and RoPE scalings this exporter does not write.
     */
    public static LlamaExportConfig read(Path dir) {
        refuseEncoderDecoder(dir);
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ExportException(dir + ": no config.json; point --model at a Hugging Face model directory");
        }
        JsonNode c = JsonMapper.builder().build().readTree(file.toFile());
        String type = c.path("model_type").asString("");
        String architecture = switch (type) {
            case "llama", "mistral", "mixtral" -> LLAMA;
            case "qwen2_moe" -> QWEN2MOE;
            case "qwen3_moe" -> QWEN3MOE;
            default -> throw new ExportException(file + ": model_type \"" + type + "\" is not supported; GGUF export "
                    + "writes llama (model_type llama, mistral, mixtral), qwen2moe (qwen2_moe) and qwen3moe (qwen3_moe)");
        };
        Optional<Experts> experts = switch (type) {
            case "mixtral" -> Optional.of(new Experts(required(file, c, "num_local_experts"),
                    required(file, c, "num_experts_per_tok"), 0, 0));
            case "qwen2_moe", "qwen3_moe" -> Optional.of(qwenExperts(file, c, type));
            default -> Optional.empty();
        };
        int hidden = required(file, c, "hidden_size");
        int heads = required(file, c, "num_attention_heads");
        double linear = 0;
        Optional<Llama3Rope> llama3 = Optional.empty();
        JsonNode scaling = ropeScaling(c);
        if (!scaling.isMissingNode() && !scaling.isNull()) {
            String kind = scaling.path("rope_type").asString(scaling.path("type").asString(""));
            switch (kind) {
                case "linear" -> linear = scaling.path("factor").asDouble(1);
                case "llama3" -> llama3 = Optional.of(new Llama3Rope(scaling.path("factor").asDouble(8),
                        scaling.path("low_freq_factor").asDouble(1), scaling.path("high_freq_factor").asDouble(4),
                        scaling.path("original_max_position_embeddings").asDouble(8192)));
                case "default", "" -> {
                }
                default -> throw new ExportException(file + ": rope_scaling type \"" + kind + "\" is not supported "
                        + "by GGUF export yet (linear and llama3 are)");
            }
        }
        if (llama3.isPresent() && !architecture.equals(LLAMA)) {
            throw new ExportException(file + ": llama3 RoPE scaling is written only for the llama architecture");
        }
        JsonNode headDim = c.path("head_dim");
        boolean declaresHeadDim = headDim.isIntegralNumber() && headDim.asInt() > 0;
        return new LlamaExportConfig(
                c.path("max_position_embeddings").asInt(2048), hidden, required(file, c, "num_hidden_layers"),
                required(file, c, "intermediate_size"), heads, c.path("num_key_value_heads").asInt(heads),
                declaresHeadDim ? headDim.asInt() : hidden / heads, c.path("rms_norm_eps").asDouble(1e-6),
                ropeTheta(c), required(file, c, "vocab_size"), c.path("tie_word_embeddings").asBoolean(false), linear,
                llama3, architecture, experts, declaresHeadDim);
    }

    /**
     * Qwen2-MoE / Qwen3-MoE experts, refusing what llama.cpp's qwen2moe / qwen3moe graphs cannot compute: dense
     * layers among the sparse ones (every layer there loads ffn_gate_inp and the stacked experts), and a top-k
     * renormalisation other than the one each graph hard-codes (qwen2moe: weights not renormalised; qwen3moe:
     * renormalised).
     */
    private static Experts qwenExperts(Path file, JsonNode c, String type) {
        JsonNode dense = c.path("mlp_only_layers");
        if (dense.isArray() && !dense.isEmpty()) {
            throw new ExportException(file + ": mlp_only_layers " + dense + " makes those layers dense; llama.cpp's "
                    + (type.equals("qwen2_moe") ? QWEN2MOE : QWEN3MOE) + " architecture has a sparse block in every "
                    + "layer, so this model has no GGUF form there");
        }
        int step = c.path("decoder_sparse_step").asInt(1);
        if (step != 1) {
            throw new ExportException(file + ": decoder_sparse_step " + step + " makes some layers dense; llama.cpp's "
                    + "GGUF architecture has a sparse block in every layer");
        }
        boolean qwen2 = type.equals("qwen2_moe");
        boolean renormalised = c.path("norm_topk_prob").asBoolean(!qwen2);
        if (renormalised == qwen2) {
            throw new ExportException(file + ": norm_topk_prob " + renormalised + " differs from llama.cpp's "
                    + (qwen2 ? QWEN2MOE + " graph, which never renormalises" : QWEN3MOE + " graph, which always "
                    + "renormalises") + " the top-k routing weights; the GGUF would compute another model");
        }
        if (c.path("use_sliding_window").asBoolean(false)) {
            throw new ExportException(file + ": use_sliding_window true is not written to GGUF (llama.cpp's "
                    + "Qwen MoE graphs attend to the full context)");
        }
        int count = c.path("num_experts").asInt(c.path("num_local_experts").asInt(0));
        if (count <= 0) {
            throw new ExportException(file + ": field \"num_experts\" (or \"num_local_experts\") is missing or not a "
                    + "positive integer");
        }
        return new Experts(count, required(file, c, "num_experts_per_tok"), required(file, c,
                "moe_intermediate_size"), qwen2 ? c.path("shared_expert_intermediate_size").asInt(0) : 0);
    }

    /** transformers 5 writes RoPE settings as rope_parameters; older configs as rope_theta and rope_scaling. */
    private static JsonNode ropeScaling(JsonNode c) {
        JsonNode scaling = c.path("rope_scaling");
        return !scaling.isMissingNode() && !scaling.isNull() ? scaling : c.path("rope_parameters");
    }

    private static double ropeTheta(JsonNode c) {
        JsonNode theta = c.path("rope_theta");
        return theta.isNumber() ? theta.asDouble() : c.path("rope_parameters").path("rope_theta").asDouble(10000);
    }

    private static int required(Path file, JsonNode c, String field) {
        int v = c.path(field).asInt(0);
        if (v <= 0) {
            throw new ExportException(file + ": field \"" + field + "\" is missing or not a positive integer");
        }
        return v;
    }

    /**
     * T5 / Flan-T5 (DD036) has no GGUF export here: llama.cpp's T5 support is a separate encoder-decoder graph
     * (architecture "t5": encoder and decoder tensor sets, relative position buckets) that this llama-architecture
     * writer does not produce.
     */
    private static void refuseEncoderDecoder(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return;
        }
        JsonNode c = JsonMapper.builder().build().readTree(file.toFile());
        if (c.path("model_type").asString("").equals("t5")
                || c.path("architectures").path(0).asString("").equals("T5ForConditionalGeneration")) {
            throw new ExportException(file + ": GGUF export of T5 / Flan-T5 (T5ForConditionalGeneration) is not "
                    + "supported: it is an encoder-decoder, which llama.cpp runs as its own \"t5\" architecture "
                    + "(encoder and decoder tensors, relative position buckets), not the llama architecture this "
                    + "exporter writes. Use the merged safetensors model, or convert it with llama.cpp's "
                    + "convert_hf_to_gguf.py");
        }
    }
}
