package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which GGUF tensors an export writes and from which checkpoint weights, as llama.cpp's convert_hf_to_gguf.py does
 * (gguf-py's {@code tensor_mapping.py} names). Dense Llama weights map one to one ({@link LlamaTensorNames}); a
 * mixture of experts adds:
 * <pre>
 * checkpoint (per expert e, layer i)                         GGUF                                 shape (PyTorch order)
 * ...block_sparse_moe.gate.weight / ...mlp.gate.weight       blk.{i}.ffn_gate_inp.weight  F32     (E, C)
 * ...experts.{e}.w1 / gate_proj .weight, stacked over e      blk.{i}.ffn_gate_exps.weight         (E, Ie, C)
 * ...experts.{e}.w3 / up_proj .weight, stacked over e        blk.{i}.ffn_up_exps.weight           (E, Ie, C)
 * ...experts.{e}.w2 / down_proj .weight, stacked over e      blk.{i}.ffn_down_exps.weight         (E, C, Ie)
 * ...mlp.shared_expert.gate_proj.weight (Qwen2-MoE)          blk.{i}.ffn_gate_shexp.weight        (Is, C)
 * ...mlp.shared_expert.up_proj.weight                        blk.{i}.ffn_up_shexp.weight          (Is, C)
 * ...mlp.shared_expert.down_proj.weight                      blk.{i}.ffn_down_shexp.weight        (C, Is)
 * ...mlp.shared_expert_gate.weight                           blk.{i}.ffn_gate_inp_shexp.weight F32 (1, C)
 * </pre>
 * Qwen2-MoE / Qwen3-MoE (architectures qwen2moe / qwen3moe) use NeoX RoPE, so their q/k rows are not permuted, and
 * add {@code self_attn.{q,k,v}_proj.bias} as {@code blk.{i}.attn_{q,k,v}.bias} (F32) and Qwen3's
 * {@code self_attn.{q,k}_norm.weight} as {@code blk.{i}.attn_{q,k}_norm.weight}. Stacking is {@code torch.stack} over
 * the expert index (expert 0 first), the converter's order; routers stay F32 whatever the file type, as the
 * converter keeps FFN_GATE_INP and FFN_GATE_INP_SHEXP.
 */
public final class GgufTensorPlan {

    /**
     * One GGUF tensor to write.
     *
     * @param name        the GGUF name
     * @param sources     the checkpoint weights it is made of: one, or one per expert (stacked along a new first axis)
     * @param permutation the q/k row permutation of a single source
     * @param alwaysF32   written in F32 whatever the requested type (routers)
     */
    public record Planned(String name, List<String> sources, LlamaTensorNames.Permutation permutation,
                          boolean alwaysF32) {

        /** Whether this tensor stacks one weight per expert. */
        public boolean stacked() {
            return name.endsWith("_exps.weight");
        }
    }

    /** An expert weight: model.layers.{i}.(block_sparse_moe|mlp).experts.{e}.{projection}.weight. */
    private static final Pattern EXPERT = Pattern.compile(
            "model\\.layers\\.(\\d+)\\.(?:block_sparse_moe|mlp)\\.experts\\.(\\d+)\\.(w1|w2|w3|gate_proj|up_proj|"
                    + "down_proj)\\.weight");

    /** Expert projection to role (the key of {@link HfWeightNames#expert}) and GGUF stacked name. */
    private static final Map<String, String> ROLE = Map.of("w1", "gate", "gate_proj", "gate", "w3", "up", "up_proj",
            "up", "w2", "down", "down_proj", "down");
    private static final Map<String, String> STACKED = Map.of("gate", "ffn_gate_exps", "up", "ffn_up_exps", "down",
            "ffn_down_exps");

    private GgufTensorPlan() {
    }

    /**
     * The tensors for a checkpoint's weight names, in checkpoint order (a stacked tensor where its first expert is).
     *
     * @throws ExportException for a weight the architecture has no place for, or an expert missing from a layer
     */
    public static List<Planned> of(List<String> names, LlamaExportConfig config) {
        Set<String> present = new HashSet<>(names);
        Set<String> stackedDone = new HashSet<>();
        List<Planned> plan = new ArrayList<>();
        for (String name : names) {
            Matcher expert = EXPERT.matcher(name);
            if (expert.matches()) {
                if (config.experts().isEmpty()) {
                    throw new ExportException("weight " + name + " is an expert, but config.json declares no experts");
                }
                int layer = Integer.parseInt(expert.group(1));
                String role = ROLE.get(expert.group(3));
                String gguf = "blk." + layer + "." + STACKED.get(role) + ".weight";
                if (stackedDone.add(gguf)) {
                    plan.add(new Planned(gguf, expertSources(layer, role, config, present),
                            LlamaTensorNames.Permutation.NONE, false));
                }
                continue;
            }
            single(name, config).ifPresent(plan::add);
        }
        if (config.architecture().equals(LlamaExportConfig.QWEN2MOE) && config.tiedEmbeddings()
                && !present.contains(HfWeightNames.LM_HEAD)) {
            // llama.cpp's qwen2moe requires output.weight (no fallback to token_embd): write the tied matrix twice
            plan.add(new Planned("output.weight", List.of(HfWeightNames.EMBED), LlamaTensorNames.Permutation.NONE,
                    false));
        }
        return plan;
    }

    /** Expert 0 … E-1's weight of a role in a layer; every one must be in the checkpoint. */
    private static List<String> expertSources(int layer, String role, LlamaExportConfig config, Set<String> present) {
        ModelArchitecture naming = config.llamaArchitecture() ? ModelArchitecture.MIXTRAL : ModelArchitecture.QWEN3_MOE;
        int count = config.experts().orElseThrow().count();
        List<String> sources = new ArrayList<>(count);
        for (int e = 0; e < count; e++) {
            String key = HfWeightNames.weight(HfWeightNames.expert(layer, naming, e, role));
            if (!present.contains(key)) {
                throw new ExportException("layer " + layer + " lacks " + key + ": config.json declares " + count
                        + " experts and llama.cpp stacks all of them into one tensor");
            }
            sources.add(key);
        }
        return sources;
    }

    private static Optional<Planned> single(String name, LlamaExportConfig config) {
        OptionalInt layer = HfWeightNames.layerOf(name);
        if (layer.isPresent() && config.experts().isPresent()) {
            Map<String, String> routers = routerTable(layer.getAsInt(), config);
            if (routers.containsKey(name)) {
                return Optional.of(new Planned(routers.get(name), List.of(name), LlamaTensorNames.Permutation.NONE,
                        true));
            }
        }
        if (config.llamaArchitecture()) {
            return LlamaTensorNames.map(name).map(m -> new Planned(m.name(), List.of(name), m.permutation(), false));
        }
        return qwen(name, layer).map(gguf -> new Planned(gguf, List.of(name), LlamaTensorNames.Permutation.NONE,
                false));
    }

    /** The router weights of layer i (F32 in GGUF). */
    private static Map<String, String> routerTable(int i, LlamaExportConfig config) {
        ModelArchitecture naming = config.llamaArchitecture() ? ModelArchitecture.MIXTRAL : ModelArchitecture.QWEN3_MOE;
        String block = "blk." + i + ".";
        Map<String, String> table = new LinkedHashMap<>();
        table.put(HfWeightNames.weight(HfWeightNames.router(i, naming)), block + "ffn_gate_inp.weight");
        if (config.architecture().equals(LlamaExportConfig.QWEN2MOE)) {
            table.put(HfWeightNames.weight(HfWeightNames.sharedExpertGate(i)), block + "ffn_gate_inp_shexp.weight");
        }
        return table;
    }

    /** Qwen2-MoE / Qwen3-MoE names besides experts and routers; empty for rotary inv_freq (recomputed). */
    private static Optional<String> qwen(String name, OptionalInt layer) {
        switch (name) {
            case HfWeightNames.EMBED -> {
                return Optional.of("token_embd.weight");
            }
            case HfWeightNames.FINAL_NORM -> {
                return Optional.of("output_norm.weight");
            }
            case HfWeightNames.LM_HEAD -> {
                return Optional.of("output.weight");
            }
            default -> {
            }
        }
        if (name.endsWith(HfWeightNames.ROTARY_INV_FREQ_SUFFIX)) {
            return Optional.empty();
        }
        if (layer.isPresent()) {
            String mapped = qwenLayerTable(layer.getAsInt()).get(name);
            if (mapped != null) {
                return Optional.of(mapped);
            }
        }
        throw new ExportException("weight " + name + " has no place in llama.cpp's Qwen mixture-of-experts "
                + "architecture");
    }

    private static Map<String, String> qwenLayerTable(int i) {
        String block = "blk." + i + ".";
        String layer = "model.layers." + i + ".";
        Map<String, String> table = new LinkedHashMap<>();
        table.put(HfWeightNames.inputNorm(i), block + "attn_norm.weight");
        for (String[] attention : new String[][] {{"q", "q_proj"}, {"k", "k_proj"}, {"v", "v_proj"}}) {
            table.put(layer + "self_attn." + attention[1] + ".weight", block + "attn_" + attention[0] + ".weight");
            table.put(layer + "self_attn." + attention[1] + ".bias", block + "attn_" + attention[0] + ".bias");
        }
        table.put(layer + "self_attn.o_proj.weight", block + "attn_output.weight");
        table.put(layer + "self_attn.q_norm.weight", block + "attn_q_norm.weight");
        table.put(layer + "self_attn.k_norm.weight", block + "attn_k_norm.weight");
        table.put(HfWeightNames.postAttentionNorm(i), block + "ffn_norm.weight");
        for (String[] shared : new String[][] {{"gate", "gate_proj"}, {"up", "up_proj"}, {"down", "down_proj"}}) {
            table.put(HfWeightNames.weight(HfWeightNames.sharedExpert(i, shared[1])),
                    block + "ffn_" + shared[0] + "_shexp.weight");
        }
        return table;
    }
}
