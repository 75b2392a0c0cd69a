package io.tuneforge.shared.recipe;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * LLaMA-Factory's memory-saving optimizers that replace {@code optim} (DD032): GaLore, APOLLO, BAdam (layer mode),
 * Adam-mini and Muon. Part of the Training section. One at a time, each with {@code optim: adamw_torch}; all but Muon
 * update the model's own weights (finetuning_type full or freeze), as LLaMA-Factory requires.
 *
 * @param useGalore            {@code use_galore}: GaLore's low-rank projected AdamW
 * @param galoreTarget         {@code galore_target}: module-name parts whose linear weights GaLore projects ("all")
 * @param galoreRank           {@code galore_rank}: rank of the projected gradient
 * @param galoreUpdateInterval {@code galore_update_interval}: steps between refreshes of the projection (SVD)
 * @param galoreScale          {@code galore_scale}: factor on the projected-back update
 * @param galoreProjType       {@code galore_proj_type}: std (the side with fewer numbers is projected)
 * @param galoreLayerwise      {@code galore_layerwise}: per-layer updates (no gradient clipping, no accumulation)
 * @param useApollo            {@code use_apollo}: APOLLO's channel-scaled AdamW
 * @param apolloTarget         {@code apollo_target}: module-name parts whose linear weights APOLLO scales ("all")
 * @param apolloRank           {@code apollo_rank}: rank of the random projection
 * @param apolloUpdateInterval {@code apollo_update_interval}: steps between new random projections
 * @param apolloScale          {@code apollo_scale}: the update is multiplied by its square root
 * @param apolloProj           {@code apollo_proj}: random or svd
 * @param apolloProjType       {@code apollo_proj_type}: std
 * @param apolloScaleType      {@code apollo_scale_type}: channel or tensor
 * @param apolloLayerwise      {@code apollo_layerwise}: per-layer updates (no gradient clipping, no accumulation)
 * @param useBadam             {@code use_badam}: BAdam, one decoder layer learning at a time
 * @param badamMode            {@code badam_mode}: layer (one decoder layer at a time) or ratio (a share of every
 *                             parameter's entries per step)
 * @param badamSwitchMode      {@code badam_switch_mode}: ascending, descending, random or fixed block order
 * @param badamSwitchInterval  {@code badam_switch_interval}: steps per block
 * @param badamStartBlock      {@code badam_start_block}: the first block (required by fixed)
 * @param badamUpdateRatio     {@code badam_update_ratio}: ratio mode's share of entries updated per step
 * @param badamMaskMode        {@code badam_mask_mode}: ratio mode's entries, adjacent or scatter
 * @param useAdamMini          {@code use_adam_mini}: Adam-mini (one second moment per head / row)
 * @param useMuon              {@code use_muon}: Muon (orthogonalised momentum) with AdamW for the rest
 */
public record RecipeMemoryOptimizers(boolean useGalore, List<String> galoreTarget, int galoreRank,
        int galoreUpdateInterval, double galoreScale, String galoreProjType, boolean galoreLayerwise,
        boolean useApollo, List<String> apolloTarget, int apolloRank, int apolloUpdateInterval, double apolloScale,
        String apolloProj, String apolloProjType, String apolloScaleType, boolean apolloLayerwise,
        boolean useBadam, String badamMode, String badamSwitchMode, int badamSwitchInterval,
        Optional<Long> badamStartBlock, double badamUpdateRatio, String badamMaskMode, boolean useAdamMini,
        boolean useMuon) {

    public RecipeMemoryOptimizers {
        galoreTarget = List.copyOf(galoreTarget);
        apolloTarget = List.copyOf(apolloTarget);
    }

    static final RecipeField USE_GALORE = RecipeField.bool("use_galore", Section.OPTIMIZATION, false, "GaLore",
            "Gradient low-rank projection: AdamW's moments live in a rank-r subspace of each linear layer's gradient "
                    + "(full or freeze only; optim adamw_torch).");
    static final RecipeField GALORE_TARGET = RecipeField.text("galore_target", Section.OPTIMIZATION, "all",
            "GaLore target", "Comma-separated module names whose linear weights GaLore projects; all: every linear "
                    + "layer except the LM head.");
    static final RecipeField GALORE_RANK = RecipeField.integer("galore_rank", Section.OPTIMIZATION, 16L,
            Range.between(1, 65_536), "GaLore rank", "Rank of the projected gradient.");
    static final RecipeField GALORE_UPDATE_INTERVAL = RecipeField.integer("galore_update_interval",
            Section.OPTIMIZATION, 200L, Range.between(1, 1_000_000_000), "GaLore update interval",
            "Steps between refreshes of the projection (an SVD of the gradient).");
    static final RecipeField GALORE_SCALE = RecipeField.decimal("galore_scale", Section.OPTIMIZATION, 2.0,
            Range.aboveUpTo(0, 1e6), "GaLore scale", "Factor on the projected-back update.");
    static final RecipeField GALORE_PROJ_TYPE = RecipeField.choice("galore_proj_type", Section.OPTIMIZATION, "std",
            List.of("std"), "GaLore projection", "std: project the side of the gradient with fewer numbers.");
    static final RecipeField GALORE_LAYERWISE = RecipeField.bool("galore_layerwise", Section.OPTIMIZATION, false,
            "GaLore layer-wise", "Update each layer as its gradient is ready, as LLaMA-Factory does: gradients are "
                    + "not clipped and gradient accumulation must be 1.");
    static final RecipeField USE_APOLLO = RecipeField.bool("use_apollo", Section.OPTIMIZATION, false, "APOLLO",
            "AdamW's moments of a random low-rank projection only scale the raw gradient per channel or tensor "
                    + "(full or freeze only; optim adamw_torch).");
    static final RecipeField APOLLO_TARGET = RecipeField.text("apollo_target", Section.OPTIMIZATION, "all",
            "APOLLO target", "Comma-separated module names whose linear weights APOLLO scales; all: every linear "
                    + "layer except the LM head.");
    static final RecipeField APOLLO_RANK = RecipeField.integer("apollo_rank", Section.OPTIMIZATION, 16L,
            Range.between(1, 65_536), "APOLLO rank", "Rank of the random projection.");
    static final RecipeField APOLLO_UPDATE_INTERVAL = RecipeField.integer("apollo_update_interval",
            Section.OPTIMIZATION, 200L, Range.between(1, 1_000_000_000), "APOLLO update interval",
            "Steps between new random projections.");
    static final RecipeField APOLLO_SCALE = RecipeField.decimal("apollo_scale", Section.OPTIMIZATION, 32.0,
            Range.aboveUpTo(0, 1e6), "APOLLO scale", "The update is multiplied by the square root of this.");
    static final RecipeField APOLLO_PROJ = RecipeField.choice("apollo_proj", Section.OPTIMIZATION, "random",
            List.of("random", "svd"), "APOLLO projection", "random: a seeded Gaussian projection; svd: the "
                    + "gradient's top singular vectors, recomputed every update interval.");
    static final RecipeField APOLLO_PROJ_TYPE = RecipeField.choice("apollo_proj_type", Section.OPTIMIZATION, "std",
            List.of("std"), "APOLLO projection side", "std: project the side of the gradient with fewer numbers.");
    static final RecipeField APOLLO_SCALE_TYPE = RecipeField.choice("apollo_scale_type", Section.OPTIMIZATION,
            "channel", List.of("channel", "tensor"), "APOLLO scale type",
            "channel: one scale per row or column; tensor: one per matrix.");
    static final RecipeField APOLLO_LAYERWISE = RecipeField.bool("apollo_layerwise", Section.OPTIMIZATION, false,
            "APOLLO layer-wise", "Update each layer as its gradient is ready, as LLaMA-Factory does: gradients are "
                    + "not clipped and gradient accumulation must be 1.");
    static final RecipeField USE_BADAM = RecipeField.bool("use_badam", Section.OPTIMIZATION, false, "BAdam",
            "Block coordinate descent: one decoder layer learns at a time with a fresh AdamW; embeddings and the LM "
                    + "head stay frozen (full or freeze only; optim adamw_torch).");
    static final RecipeField BADAM_MODE = RecipeField.choice("badam_mode", Section.OPTIMIZATION, "layer",
            List.of("layer", "ratio"), "BAdam mode", "layer: the blocks are the decoder layers; ratio: every "
                    + "parameter learns a share (BAdam update ratio) of its entries per step, with Adam moments for "
                    + "those entries only (embedding and LM head frozen, no weight decay, the entries move every 100 "
                    + "steps).");
    static final RecipeField BADAM_SWITCH_MODE = RecipeField.choice("badam_switch_mode", Section.OPTIMIZATION,
            "ascending", List.of("ascending", "descending", "random", "fixed"), "BAdam switch mode",
            "Order of the blocks; fixed keeps badam_start_block.");
    static final RecipeField BADAM_SWITCH_INTERVAL = RecipeField.integer("badam_switch_interval",
            Section.OPTIMIZATION, 50L, Range.between(1, 1_000_000_000), "BAdam switch interval",
            "Steps before the next block takes over (its moments start from zero).");
    static final RecipeField BADAM_START_BLOCK = RecipeField.integer("badam_start_block", Section.OPTIMIZATION, null,
            Range.between(0, 100_000), "BAdam start block", "Index of the first block (blank: by the switch mode).");
    static final RecipeField BADAM_UPDATE_RATIO = RecipeField.decimal("badam_update_ratio", Section.OPTIMIZATION,
            0.05, Range.aboveUpTo(1e-6, 1), "BAdam update ratio",
            "Ratio mode: share of each parameter's entries updated per step (its Adam state is that share).");
    static final RecipeField BADAM_MASK_MODE = RecipeField.choice("badam_mask_mode", Section.OPTIMIZATION, "adjacent",
            List.of("adjacent", "scatter"), "BAdam mask mode",
            "Ratio mode: adjacent takes consecutive entries, scatter a seeded random set.");
    static final RecipeField USE_ADAM_MINI = RecipeField.bool("use_adam_mini", Section.OPTIMIZATION, false,
            "Adam-mini", "Adam with one second moment per attention head / output row instead of per weight "
                    + "(about half of AdamW's state; full or freeze only).");
    static final RecipeField USE_MUON = RecipeField.bool("use_muon", Section.OPTIMIZATION, false, "Muon",
            "Momentum orthogonalised by Newton-Schulz for 2-D weights, AdamW for embeddings, LM head and vectors "
                    + "(one momentum per weight).");

    static final List<RecipeField> FIELDS = List.of(USE_GALORE, GALORE_TARGET, GALORE_RANK, GALORE_UPDATE_INTERVAL,
            GALORE_SCALE, GALORE_PROJ_TYPE, GALORE_LAYERWISE, USE_APOLLO, APOLLO_TARGET, APOLLO_RANK,
            APOLLO_UPDATE_INTERVAL, APOLLO_SCALE, APOLLO_PROJ, APOLLO_PROJ_TYPE, APOLLO_SCALE_TYPE, APOLLO_LAYERWISE,
            USE_BADAM, BADAM_MODE, BADAM_SWITCH_MODE,
            BADAM_SWITCH_INTERVAL, BADAM_START_BLOCK, BADAM_UPDATE_RATIO, BADAM_MASK_MODE, USE_ADAM_MINI, USE_MUON);

    /** Values of keys LLaMA-Factory has and TuneForge does not offer, with the reason. */
    static final Map<String, Map<String, String>> UNSUPPORTED_VALUES = Map.of(
            "galore_proj_type", Map.of("reverse_std", "only galore_proj_type std is offered",
                    "right", "only galore_proj_type std is offered", "left", "only galore_proj_type std is offered",
                    "full", "only galore_proj_type std is offered"),
            "apollo_proj_type", Map.of("right", "only apollo_proj_type std is offered",
                    "left", "only apollo_proj_type std is offered"));

    static RecipeMemoryOptimizers from(RecipeValues v) {
        RecipeMemoryOptimizers o = new RecipeMemoryOptimizers(v.bool(USE_GALORE), targets(v, GALORE_TARGET),
                (int) v.integer(GALORE_RANK), (int) v.integer(GALORE_UPDATE_INTERVAL), v.decimal(GALORE_SCALE),
                v.text(GALORE_PROJ_TYPE), v.bool(GALORE_LAYERWISE), v.bool(USE_APOLLO), targets(v, APOLLO_TARGET),
                (int) v.integer(APOLLO_RANK), (int) v.integer(APOLLO_UPDATE_INTERVAL), v.decimal(APOLLO_SCALE),
                v.text(APOLLO_PROJ), v.text(APOLLO_PROJ_TYPE), v.text(APOLLO_SCALE_TYPE), v.bool(APOLLO_LAYERWISE),
                v.bool(USE_BADAM), v.text(BADAM_MODE), v.text(BADAM_SWITCH_MODE),
                (int) v.integer(BADAM_SWITCH_INTERVAL), v.optionalInteger(BADAM_START_BLOCK),
                v.decimal(BADAM_UPDATE_RATIO), v.text(BADAM_MASK_MODE), v.bool(USE_ADAM_MINI), v.bool(USE_MUON));
        o.checkCombinations(v);
        return o;
    }

    private static List<String> targets(RecipeValues v, RecipeField field) {
        String text = v.text(field);
        List<String> parts = Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (parts.isEmpty() || (parts.contains("all") && parts.size() > 1)) {
            throw field.refused(text, v.source(), "all, or comma-separated module names such as q_proj,v_proj");
        }
        return parts;
    }

    /** The memory-saving optimizer chosen, by key; empty for the plain {@code optim}. */
    public Optional<String> chosen() {
        return useGalore ? Optional.of("use_galore") : useApollo ? Optional.of("use_apollo") : useBadam ? Optional.of("use_badam")
                : useAdamMini ? Optional.of("use_adam_mini") : useMuon ? Optional.of("use_muon") : Optional.empty();
    }

    /** LLaMA-Factory's refusals and the combinations TuneForge refuses instead of silently picking one. */
    private void checkCombinations(RecipeValues v) {
        List<RecipeField> on = List.of(USE_GALORE, USE_APOLLO, USE_BADAM, USE_ADAM_MINI, USE_MUON).stream().filter(v::bool)
                .toList();
        if (on.isEmpty()) {
            return;
        }
        RecipeField first = on.getFirst();
        if (on.size() > 1) {
            throw on.get(1).refused(true, v.source(), "false when " + first.key() + " is true: one memory-saving "
                    + "optimizer at a time (LLaMA-Factory refuses GaLore, APOLLO and BAdam together)");
        }
        String type = v.text(RecipeMethod.FINETUNING_TYPE);
        if (!type.equals("full") && !type.equals("freeze") && first != USE_MUON) {
            throw first.refused(true, v.source(), "false with finetuning_type " + type + ": " + first.key()
                    + " updates the model's own weights, so finetuning_type full or freeze (LLaMA-Factory: \"Cannot "
                    + "use LoRA with GaLore, APOLLO or BAdam together\"; Adam-mini's head blocks would split LoRA's "
                    + "matrices)");
        }
        if (v.optionalDecimal(RecipeMethod.LORAPLUS_LR_RATIO).isPresent() && type.equals("lora")) {
            throw first.refused(true, v.source(), "false with loraplus_lr_ratio: LoRA+ builds its own optimizer "
                    + "(LLaMA-Factory would silently use LoRA+ and drop " + first.key() + ")");
        }
        String optim = v.text(RecipeOptimization.OPTIM);
        if (!optim.equals("adamw_torch") && !optim.equals("adamw_torch_fused")) {
            throw RecipeOptimization.OPTIM.refused(optim, v.source(), "adamw_torch with " + first.key()
                    + ", which replaces the optimizer (GaLore's 8-bit and Adafactor variants are not offered)");
        }
        boolean layerwise = (first == USE_GALORE && v.bool(GALORE_LAYERWISE))
                || (first == USE_APOLLO && v.bool(APOLLO_LAYERWISE));
        if (layerwise && v.integer(RecipeOptimization.GRADIENT_ACCUMULATION_STEPS) != 1) {
            String name = first == USE_GALORE ? "GaLore" : "APOLLO";
            throw RecipeOptimization.GRADIENT_ACCUMULATION_STEPS.refused(
                    v.integer(RecipeOptimization.GRADIENT_ACCUMULATION_STEPS), v.source(), "1 with "
                            + (first == USE_GALORE ? "galore_layerwise" : "apollo_layerwise") + " (per-layer " + name
                            + " does not support gradient accumulation)");
        }
        if (first == USE_BADAM && v.text(BADAM_MODE).equals("layer") && v.text(BADAM_SWITCH_MODE).equals("fixed")
                && v.optionalInteger(BADAM_START_BLOCK).isEmpty()) {
            throw BADAM_START_BLOCK.refused("", v.source(), "a block index with badam_switch_mode fixed (the block "
                    + "that learns)");
        }
    }
}
