package io.tuneforge.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 *
 * Mixture of experts, sparse layers (E experts of width Ie; the per-expert layout save_pretrained writes: transformers
 * 5 fuses the experts into stacked gate_up_proj (E, 2·Ie, C) / down_proj (E, C, Ie) parameters in memory only, and
 * PEFT 0.18+ converts per-expert LoRA adapters of this layout to that on load):
 *   Mixtral                                          Qwen2-MoE / Qwen3-MoE
 *   model.layers.{i}.block_sparse_moe.gate  (E, C)   model.layers.{i}.mlp.gate                 (E, C)   router
 *   ...block_sparse_moe.experts.{e}.w1      (Ie, C)  ...mlp.experts.{e}.gate_proj              (Ie, C)  expert gate
 *   ...block_sparse_moe.experts.{e}.w3      (Ie, C)  ...mlp.experts.{e}.up_proj                (Ie, C)  expert up
 *   ...block_sparse_moe.experts.{e}.w2      (C, Ie)  ...mlp.experts.{e}.down_proj              (C, Ie)  expert down
 *                                                    ...mlp.shared_expert.{gate,up}_proj       (Is, C)  Qwen2-MoE
 *                                                    ...mlp.shared_expert.down_proj            (C, Is)  Qwen2-MoE
 *                                                    ...mlp.shared_expert_gate                 (1, C)   Qwen2-MoE
 * Qwen's dense layers (mlp_only_layers, decoder_sparse_step) keep mlp.{gate,up,down}_proj of intermediate_size.
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

    /** Mixtral's linear modules: attention, then the experts' w1 (gate), w2 (down), w3 (up), as PEFT names them. */
    public static final List<String> MIXTRAL_LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "w1", "w2", "w3");

    /** The MoE router's linear ({@code gate}) and Qwen2-MoE's shared-expert gate: LoRA targets only when named. */
    public static final List<String> ROUTER_MODULES = List.of("gate", "shared_expert_gate");

    /** Every linear module name of any supported family (what a LoRA target list may name). */
    public static final List<String> KNOWN_LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "qkv_proj", "o_proj", "gate_proj", "up_proj", "gate_up_proj",
                    "down_proj", "w1", "w2", "w3", "gate", "shared_expert_gate",
                    // T5 (T5Model): attention q/k/v/o, feed-forward wi (v1.0) or wi_0/wi_1 (gated), wo
                    "q", "k", "v", "o", "wi", "wi_0", "wi_1", "wo");

    /** The linear modules of a model of this config that "all" targets, as PEFT names them (routers excluded). */
    public static List<String> linearModules(ModelConfig config) {
        if (config.architecture() == ModelArchitecture.MIXTRAL) {
            return MIXTRAL_LINEAR_MODULES;
        }
        return config.architecture().fusedProjections() ? FUSED_LINEAR_MODULES : LINEAR_MODULES;
    }

    /** The router modules a LoRA target list may add for this config (none for dense models). */
    public static List<String> routerModules(ModelConfig config) {
        return switch (config.architecture()) {
            case MIXTRAL, QWEN3_MOE -> List.of("gate");
            case QWEN2_MOE -> ROUTER_MODULES;
            default -> List.of();
        };
    }

    /** Expert projection names by role (gate, up, down): Mixtral's w1/w3/w2, Qwen's gate_proj/up_proj/down_proj. */
    private static final Map<String, String> MIXTRAL_EXPERT_PROJECTIONS = Map.of("gate", "w1", "up", "w3", "down", "w2");
    private static final Map<String, String> QWEN_EXPERT_PROJECTIONS =
            Map.of("gate", "gate_proj", "up", "up_proj", "down", "down_proj");

    /** The sparse block of layer i: {@code model.layers.{i}.block_sparse_moe} (Mixtral) or {@code ...mlp}. */
    public static String moeBlock(int layer, ModelArchitecture architecture) {
        return layer(layer) + (architecture == ModelArchitecture.MIXTRAL ? ".block_sparse_moe" : ".mlp");
    }

    /** The router linear of layer i: {@code <moeBlock>.gate}, (E, C). */
    public static String router(int layer, ModelArchitecture architecture) {
        return moeBlock(layer, architecture) + ".gate";
    }

    /** Expert e's projection of a role ({@code gate}, {@code up} or {@code down}) in layer i. */
    public static String expert(int layer, ModelArchitecture architecture, int expert, String role) {
        Map<String, String> names = architecture == ModelArchitecture.MIXTRAL ? MIXTRAL_EXPERT_PROJECTIONS
                : QWEN_EXPERT_PROJECTIONS;
        return moeBlock(layer, architecture) + ".experts." + expert + "." + names.get(role);
    }

    /**
     * A checkpoint key with Mixtral's {@code block_sparse_moe} renamed {@code mlp}, as transformers 5 names the module
     * (its {@code WeightRenaming}) and LLaMA-Factory's {@code freeze_trainable_modules: mlp} therefore matches it.
     */
    public static String asTransformers5Module(String key) {
        return key.replace(".block_sparse_moe.", ".mlp.");
    }

    /** Qwen2-MoE's shared expert projection: {@code model.layers.{i}.mlp.shared_expert.<module>}. */
    public static String sharedExpert(int layer, String module) {
        return layer(layer) + ".mlp.shared_expert." + module;
    }

    /** Qwen2-MoE's shared expert gate (1, C): {@code model.layers.{i}.mlp.shared_expert_gate}. */
    public static String sharedExpertGate(int layer) {
        return layer(layer) + ".mlp.shared_expert_gate";
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
            if (c.moe().isPresent() && c.moe().get().sparse(i)) {
                addMoe(specs, c, i);
            } else if (c.architecture().fusedProjections()) {
                addLinear(specs, linear(i, "gate_up_proj"), 2 * inter, hidden, false);
            } else {
                addLinear(specs, linear(i, "gate_proj"), inter, hidden, c.mlpBias());
                addLinear(specs, linear(i, "up_proj"), inter, hidden, c.mlpBias());
            }
            if (c.moe().isEmpty() || !c.moe().get().sparse(i)) {
                addLinear(specs, linear(i, "down_proj"), hidden, inter, c.mlpBias());
            }
        }
        specs.add(new WeightSpec(FINAL_NORM, new long[] {hidden}));
        if (!c.tieWordEmbeddings()) {
            specs.add(new WeightSpec(LM_HEAD, new long[] {c.vocabSize(), hidden}));
        }
        return specs;
    }

    /** A sparse block's router, experts and (Qwen2-MoE) shared expert with its gate. */
    private static void addMoe(List<WeightSpec> specs, ModelConfig c, int i) {
        MoeSpec moe = c.moe().orElseThrow();
        long hidden = c.hiddenSize();
        long width = moe.expertIntermediateSize();
        addLinear(specs, router(i, c.architecture()), moe.numExperts(), hidden, false);
        for (int e = 0; e < moe.numExperts(); e++) {
            addLinear(specs, expert(i, c.architecture(), e, "gate"), width, hidden, false);
            addLinear(specs, expert(i, c.architecture(), e, "up"), width, hidden, false);
            addLinear(specs, expert(i, c.architecture(), e, "down"), hidden, width, false);
        }
        if (moe.sharedExpertSize() > 0) {
            addLinear(specs, sharedExpert(i, "gate_proj"), moe.sharedExpertSize(), hidden, false);
            addLinear(specs, sharedExpert(i, "up_proj"), moe.sharedExpertSize(), hidden, false);
            addLinear(specs, sharedExpert(i, "down_proj"), hidden, moe.sharedExpertSize(), false);
            addLinear(specs, sharedExpertGate(i), 1, hidden, false);
        }
    }

    private static void addLinear(List<WeightSpec> specs, String module, long out, long in, boolean bias) {
        specs.add(new WeightSpec(weight(module), new long[] {out, in}));
        if (bias) {
            specs.add(new WeightSpec(bias(module), new long[] {out}));
        }
    }
}
