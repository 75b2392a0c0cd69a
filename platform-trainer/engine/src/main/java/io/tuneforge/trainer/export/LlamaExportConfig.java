package io.tuneforge.trainer.export;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
 * @param llama3Rope         rope_scaling of rope_type "llama3" (Llama 3.1+), written as a rope_freqs tensor
 */
public record LlamaExportConfig(int contextLength, int hiddenSize, int layers, int intermediateSize, int heads,
                                int kvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
                                boolean tiedEmbeddings, double linearRopeFactor, Optional<Llama3Rope> llama3Rope) {

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

    /** Reads {@code dir/config.json}; refuses non-Llama architectures and RoPE scalings GGUF export cannot carry. */
    public static LlamaExportConfig read(Path dir) {
        refuseEncoderDecoder(dir);
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ExportException(dir + ": no config.json; point --model at a Hugging Face model directory");
        }
        JsonNode c = JsonMapper.builder().build().readTree(file.toFile());
        String type = c.path("model_type").asString("");
        if (java.util.List.of("mixtral", "qwen2_moe", "qwen3_moe").contains(type)) {
            throw new ExportException(file + ": GGUF export of a mixture of experts (model_type \"" + type + "\") is "
                    + "not supported yet: llama.cpp expects each layer's experts stacked into blk.N.ffn_gate_exps, "
                    + "ffn_up_exps and ffn_down_exps (E × I × C) with the router as blk.N.ffn_gate_inp, which this "
                    + "exporter does not write. Merge the adapter (safetensors) and convert the merged model with "
                    + "llama.cpp's convert_hf_to_gguf.py");
        }
        if (!type.equals("llama") && !type.equals("mistral")) {
            throw new ExportException(file + ": model_type \"" + type + "\" is not supported; GGUF export writes the "
                    + "llama architecture (model_type llama or mistral)");
        }
        int hidden = required(file, c, "hidden_size");
        int heads = required(file, c, "num_attention_heads");
        double linear = 0;
        Optional<Llama3Rope> llama3 = Optional.empty();
        JsonNode scaling = c.path("rope_scaling");
        if (!scaling.isMissingNode() && !scaling.isNull()) {
            String kind = scaling.path("rope_type").asString(scaling.path("type").asString(""));
            switch (kind) {
                case "linear" -> linear = scaling.path("factor").asDouble(1);
                case "llama3" -> llama3 = Optional.of(new Llama3Rope(scaling.path("factor").asDouble(8),
                        scaling.path("low_freq_factor").asDouble(1), scaling.path("high_freq_factor").asDouble(4),
                        scaling.path("original_max_position_embeddings").asDouble(8192)));
                case "default" -> {
                }
                default -> throw new ExportException(file + ": rope_scaling type \"" + kind + "\" is not supported "
                        + "by GGUF export yet (linear and llama3 are)");
            }
        }
        return new LlamaExportConfig(
                c.path("max_position_embeddings").asInt(2048), hidden, required(file, c, "num_hidden_layers"),
                required(file, c, "intermediate_size"), heads, c.path("num_key_value_heads").asInt(heads),
                c.path("head_dim").asInt(hidden / heads), c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000), required(file, c, "vocab_size"),
                c.path("tie_word_embeddings").asBoolean(false), linear, llama3);
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
