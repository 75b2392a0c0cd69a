package io.tuneforge.trainer.training.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Real model shapes for the benchmarks, copied from the published {@code config.json} of each model (the weights are
 * random): what {@code bench --preset}, {@code bench-generate} and the tests of their configs build.
 *
 * @param key          the command-line name
 * @param architecture the Hugging Face architecture
 * @param hidden       hidden_size
 * @param layers       num_hidden_layers
 * @param heads        num_attention_heads
 * @param kvHeads      num_key_value_heads
 * @param headDim      head_dim (Qwen3 sets it apart from hidden / heads)
 * @param intermediate intermediate_size
 * @param vocab        vocab_size
 * @param ropeTheta    rope_theta
 * @param rmsNormEps   rms_norm_eps
 */
public enum BenchPreset {

    /** Qwen/Qwen3-0.6B: q_norm/k_norm, head_dim 128 (q projects 1024 → 2048), tied embeddings. */
    QWEN3_0_6B("qwen3-0.6b", "Qwen3ForCausalLM", 1024, 28, 16, 8, 128, 3072, 151936, 1_000_000.0, 1e-6),
    /** meta-llama/Llama-3.2-1B: tied embeddings, llama3 RoPE scaling (factor 32 from 8,192 positions). */
    LLAMA_3_2_1B("llama-3.2-1b", "LlamaForCausalLM", 2048, 16, 32, 8, 64, 8192, 128256, 500_000.0, 1e-5),
    /** Qwen/Qwen2.5-1.5B: q/k/v biases, tied embeddings. */
    QWEN2_5_1_5B("qwen2.5-1.5b", "Qwen2ForCausalLM", 1536, 28, 12, 2, 128, 8960, 151936, 1_000_000.0, 1e-6);

    private final String key;
    private final String architecture;
    private final int hidden;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int intermediate;
    private final int vocab;
    private final double ropeTheta;
    private final double rmsNormEps;

    BenchPreset(String key, String architecture, int hidden, int layers, int heads, int kvHeads, int headDim,
                int intermediate, int vocab, double ropeTheta, double rmsNormEps) {
        this.key = key;
        this.architecture = architecture;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.intermediate = intermediate;
        this.vocab = vocab;
        this.ropeTheta = ropeTheta;
        this.rmsNormEps = rmsNormEps;
    }

    /** The preset named {@code key} on the command line; the error lists the names. */
    public static BenchPreset parse(String key) {
        return Arrays.stream(values()).filter(p -> p.key.equals(key.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown preset '" + key + "'; presets: "
                        + Arrays.stream(values()).map(BenchPreset::key).collect(Collectors.joining(", "))));
    }

    public String key() {
        return key;
    }

    /** The model's {@code config.json} as published (the fields TuneForge reads), with {@code torch_dtype}. */
    public ObjectNode config(String torchDtype) {
        ObjectNode c = JsonMapper.builder().build().createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("model_type", switch (this) {
            case QWEN3_0_6B -> "qwen3";
            case LLAMA_3_2_1B -> "llama";
            case QWEN2_5_1_5B -> "qwen2";
        });
        c.put("vocab_size", vocab);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", rmsNormEps);
        c.put("rope_theta", ropeTheta);
        c.put("tie_word_embeddings", true);
        c.put("torch_dtype", torchDtype);
        switch (this) {
            case QWEN3_0_6B -> {
                c.put("max_position_embeddings", 40960);
                c.put("bos_token_id", 151643);
                c.put("eos_token_id", 151645);
            }
            case LLAMA_3_2_1B -> {
                c.put("max_position_embeddings", 131072);
                c.put("bos_token_id", 128000);
                c.put("eos_token_id", 128001);
                ObjectNode scaling = c.putObject("rope_scaling");
                scaling.put("rope_type", "llama3");
                scaling.put("factor", 32.0);
                scaling.put("low_freq_factor", 1.0);
                scaling.put("high_freq_factor", 4.0);
                scaling.put("original_max_position_embeddings", 8192);
            }
            case QWEN2_5_1_5B -> {
                c.put("max_position_embeddings", 131072);
                c.put("bos_token_id", 151643);
                c.put("eos_token_id", 151643);
            }
        }
        return c;
    }

    /** Weights of the linear layers of all decoder layers (q, k, v, o, gate, up, down; biases left out). */
    public long decoderLinearWeights() {
        long attention = 2L * hidden * heads * headDim + 2L * hidden * kvHeads * headDim;
        long mlp = 3L * hidden * intermediate;
        return layers * (attention + mlp);
    }

    /**
     * Model FLOPs of one LoRA training step, as {@link LlamaShape#loraStepFlops()} counts them: forward and an equal
     * backward through every linear and the LM head, plus {@code 4·T·H·hd} per token per layer of attention.
     */
    public double loraStepFlops(int sequence, int batch) {
        double tokens = (double) batch * sequence;
        double perTokenForward = 2.0 * (decoderLinearWeights() + (double) hidden * vocab)
                + 4.0 * sequence * heads * headDim * layers;
        return 2.0 * perTokenForward * tokens;
    }

    /** Parameters of the model (tied embeddings, norms and biases left out). */
    public long parameters() {
        return decoderLinearWeights() + (long) hidden * vocab;
    }

    /** This preset as a bench shape (head_dim aside) for the report. */
    public LlamaShape shape(int sequence, int batch, int loraRank) {
        return new LlamaShape(hidden, layers, heads, kvHeads, intermediate, vocab, sequence, batch, loraRank, 2);
    }
}
