package io.tuneforge.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The explicit mapping between our modules and Hugging Face checkpoint keys (transformers' {@code LlamaForCausalLM}
 * layout, shared by Mistral and Qwen2/3). Weights of linear layers are stored (out, in), as {@code nn.Linear} does.
 *
 * <pre>
 * model.embed_tokens.weight                         (V, C)
 * model.layers.{i}.input_layernorm.weight           (C)
 * model.layers.{i}.self_attn.q_proj.weight / .bias  (H*hd, C) / (H*hd)
 * model.layers.{i}.self_attn.k_proj.weight / .bias  (KV*hd, C) / (KV*hd)
 * model.layers.{i}.self_attn.v_proj.weight / .bias  (KV*hd, C) / (KV*hd)
 * model.layers.{i}.self_attn.o_proj.weight / .bias  (C, H*hd) / (C)
 * model.layers.{i}.self_attn.q_norm.weight          (hd)          Qwen3
 * model.layers.{i}.self_attn.k_norm.weight          (hd)          Qwen3
 * model.layers.{i}.post_attention_layernorm.weight  (C)           Gemma: the norm of the attention output
 * model.layers.{i}.pre_feedforward_layernorm.weight (C)           Gemma: the norm before the MLP
 * model.layers.{i}.post_feedforward_layernorm.weight (C)          Gemma: the norm of the MLP output
 * model.layers.{i}.mlp.gate_proj.weight / .bias     (I, C)
 * model.layers.{i}.mlp.up_proj.weight / .bias       (I, C)
 * model.layers.{i}.mlp.down_proj.weight / .bias     (C, I)
 * model.layers.{i}.self_attn.qkv_proj.weight       ((H+2·KV)*hd, C)  Phi-3: rows q, then k, then v
 * model.layers.{i}.mlp.gate_up_proj.weight          (2·I, C)          Phi-3: rows gate, then up
 * model.norm.weight                                 (C)
 * lm_head.weight                                    (V, C)        absent when tie_word_embeddings
 * </pre>
 * Every key is spelled here and nowhere else: {@link HfCheckpoint} reads and writes through this table, training
 * names full and freeze parameters by it, and the PEFT adapter keys wrap its module paths.
 */
public final class HfWeightNames {

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /** The seven LoRA-targetable linear modules, in the order PEFT lists them for Llama. */
    public static final List<String> LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** Phi-3's four linear modules, fused q/k/v and gate/up, in the order PEFT lists them. */
    public static final List<String> FUSED_LINEAR_MODULES = List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj");

    /** Every linear module name of any supported family (what a LoRA target list may name). */
    public static final List<String> KNOWN_LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "qkv_proj", "o_proj", "gate_proj", "up_proj", "gate_up_proj",
                    "down_proj");

    /** The linear modules of a model of this config, as PEFT names them. */
    public static List<String> linearModules(ModelConfig config) {
        return config.architecture().fusedProjections() ? FUSED_LINEAR_MODULES : LINEAR_MODULES;
    }

    /** Suffix of the rotary inverse frequencies some checkpoints store (recomputed from the config, never loaded). */
    public static final String ROTARY_INV_FREQ_SUFFIX = "rotary_emb.inv_freq";

    private static final Pattern LAYER_KEY = Pattern.compile("model\\.layers\\.(\\d+)\\..+");

    private HfWeightNames() {
    }

    /** The layer index of a key under {@code model.layers.{i}.}, empty for any other key. */
    public static OptionalInt layerOf(String key) {
        Matcher m = LAYER_KEY.matcher(key);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** {@code model.layers.{i}}. */
    public static String layer(int i) {
        return "model.layers." + i;
    }

    /** The module path of a linear in layer i: {@code model.layers.{i}.self_attn.q_proj} or {@code ...mlp.up_proj}. */
    public static String linear(int layer, String module) {
        String group = module.endsWith("_proj") && (module.startsWith("gate") || module.startsWith("up")
                || module.startsWith("down")) ? "mlp" : "self_attn";
        return layer(layer) + "." + group + "." + module;
    }

    /** {@code model.layers.{i}.input_layernorm.weight}: the norm before attention. */
    public static String inputNorm(int layer) {
        return layer(layer) + ".input_layernorm.weight";
    }

    /** {@code model.layers.{i}.post_attention_layernorm.weight}: the norm before the MLP. */
    public static String postAttentionNorm(int layer) {
        return layer(layer) + ".post_attention_layernorm.weight";
    }

    /** {@code model.layers.{i}.pre_feedforward_layernorm.weight}: Gemma's norm before the MLP. */
    public static String preFeedforwardNorm(int layer) {
        return layer(layer) + ".pre_feedforward_layernorm.weight";
    }

    /** {@code model.layers.{i}.post_feedforward_layernorm.weight}: Gemma's norm of the MLP output. */
    public static String postFeedforwardNorm(int layer) {
        return layer(layer) + ".post_feedforward_layernorm.weight";
    }

    /** {@code model.layers.{i}.self_attn.q_norm.weight}: Qwen3's per-head query norm. */
    public static String queryNorm(int layer) {
        return layer(layer) + ".self_attn.q_norm.weight";
    }

    /** {@code model.layers.{i}.self_attn.k_norm.weight}: Qwen3's per-head key norm. */
    public static String keyNorm(int layer) {
        return layer(layer) + ".self_attn.k_norm.weight";
    }

    /** The weight of a module path: {@code <module>.weight}. */
    public static String weight(String module) {
        return module + ".weight";
    }

    /** The bias of a module path: {@code <module>.bias}. */
    public static String bias(String module) {
        return module + ".bias";
    }

    /** Every tensor a checkpoint of this config must hold, with its shape. */
    public static List<WeightSpec> expected(ModelConfig c) {
        long hidden = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long inter = c.intermediateSize();
        List<WeightSpec> specs = new ArrayList<>();
        specs.add(new WeightSpec(EMBED, new long[] {c.vocabSize(), hidden}));
        for (int i = 0; i < c.numLayers(); i++) {
            specs.add(new WeightSpec(inputNorm(i), new long[] {hidden}));
            if (c.architecture().fusedProjections()) {
                addLinear(specs, linear(i, "qkv_proj"), q + 2 * kv, hidden, false);
            } else {
                addLinear(specs, linear(i, "q_proj"), q, hidden, c.qkvBias());
                addLinear(specs, linear(i, "k_proj"), kv, hidden, c.qkvBias());
                addLinear(specs, linear(i, "v_proj"), kv, hidden, c.qkvBias());
            }
            addLinear(specs, linear(i, "o_proj"), hidden, q, c.oBias());
            if (c.qkNorm()) {
                specs.add(new WeightSpec(queryNorm(i), new long[] {c.headDim()}));
                specs.add(new WeightSpec(keyNorm(i), new long[] {c.headDim()}));
            }
            specs.add(new WeightSpec(postAttentionNorm(i), new long[] {hidden}));
            if (c.architecture().isGemma()) {
                specs.add(new WeightSpec(preFeedforwardNorm(i), new long[] {hidden}));
                specs.add(new WeightSpec(postFeedforwardNorm(i), new long[] {hidden}));
            }
            if (c.architecture().fusedProjections()) {
                addLinear(specs, linear(i, "gate_up_proj"), 2 * inter, hidden, false);
            } else {
                addLinear(specs, linear(i, "gate_proj"), inter, hidden, c.mlpBias());
                addLinear(specs, linear(i, "up_proj"), inter, hidden, c.mlpBias());
            }
            addLinear(specs, linear(i, "down_proj"), hidden, inter, c.mlpBias());
        }
        specs.add(new WeightSpec(FINAL_NORM, new long[] {hidden}));
        if (!c.tieWordEmbeddings()) {
            specs.add(new WeightSpec(LM_HEAD, new long[] {c.vocabSize(), hidden}));
        }
        return specs;
    }

    private static void addLinear(List<WeightSpec> specs, String module, long out, long in, boolean bias) {
        specs.add(new WeightSpec(weight(module), new long[] {out, in}));
        if (bias) {
            specs.add(new WeightSpec(bias(module), new long[] {out}));
        }
    }
}
