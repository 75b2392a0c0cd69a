package io.tuneforge.shared.recipe;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The training stage and the fine-tuning type with its settings.
 *
 * @param stage          {@code stage}: what is trained: sft (supervised fine-tuning), pt (raw text), rm (a reward
 *                       model on preference pairs), dpo (preference optimisation on pairs), kto (KTO on tagged answers)
 *                       or ppo (RLHF with a reward model)
 * @param finetuningType {@code finetuning_type}: lora, freeze, full, prefix or adapter
 * @param lora           LoRA settings (used when finetuningType is lora)
 * @param freeze         freeze settings (used when finetuningType is freeze)
 * @param prefix         prefix-tuning settings (used when finetuningType is prefix)
 * @param adapter        bottleneck-adapter settings (used when finetuningType is adapter)
 * @param oft            OFT settings (used when finetuningType is oft)
 */
public record RecipeMethod(String stage, FinetuningType finetuningType, Lora lora, Freeze freeze,
                           RecipeAdapterMethods.Prefix prefix, RecipeAdapterMethods.Adapter adapter, RecipeOft oft) {

    /** LLaMA-Factory's {@code finetuning_type} values TuneForge trains. */
    public enum FinetuningType {
        /** Low-rank adapters on the frozen base. */
        LORA,
        /** The last layers train, the rest stays frozen. */
        FREEZE,
        /** Every weight trains. */
        FULL,
        /** Prefix tuning: trained key/value positions in every layer; the base is frozen. */
        PREFIX,
        /** Bottleneck adapters after sub-layer outputs; the base is frozen. */
        ADAPTER,
        /** Orthogonal fine-tuning: trained block rotations of the frozen linears' inputs. */
        OFT;

        /** Whether the method's result is an adapter beside the frozen base (lora, prefix, adapter, oft). */
        public boolean isAdapter() {
            return this == LORA || this == PREFIX || this == ADAPTER || this == OFT;
        }

        /** Whether the adapter can be merged into the base weights (LoRA's and OFT's can). */
        public boolean mergeable() {
            return this != PREFIX && this != ADAPTER;
        }

        /** The YAML / API spelling ({@code lora}). */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The linear modules of the Llama-family decoder blocks TuneForge loads, as PEFT names them. */
    public static final List<String> LINEAR_MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** Phi-3's fused linears (q/k/v and gate/up), which a LoRA target list may also name; "all" covers them there. */
    public static final List<String> FUSED_LINEAR_MODULES = List.of("qkv_proj", "gate_up_proj");

    /** Modules outside the decoder blocks that {@code additional_target} can train whole (PEFT's modules_to_save). */
    public static final List<String> ADDITIONAL_TARGETS = List.of("embed_tokens", "lm_head", "norm");
    /**
     * Mixture-of-experts linears a LoRA target list may also name: Mixtral's expert projections w1 (gate), w2 (down),
     * w3 (up), the router {@code gate} and Qwen2-MoE's {@code shared_expert_gate}; "all" covers the experts, not the
     * routers.
     */
    public static final List<String> MOE_LINEAR_MODULES = List.of("w1", "w2", "w3", "gate", "shared_expert_gate");

    /** T5's linears (encoder-decoder, DD036): attention q, k, v, o and feed-forward wi or wi_0/wi_1, wo. */
    public static final List<String> T5_LINEAR_MODULES = List.of("q", "k", "v", "o", "wi", "wi_0", "wi_1", "wo");

    /** The modules of a decoder block that freeze tuning can train, as LLaMA-Factory names them. */
    public static final List<String> FREEZE_MODULES = List.of("self_attn", "mlp", "input_layernorm",
            "post_attention_layernorm");

    /**
     * A mixture of experts' parts freeze tuning may name (a TuneForge extension of LLaMA-Factory's first-level
     * modules): {@code mlp.experts} (every routed expert), {@code mlp.experts.N} (expert N), {@code mlp.gate} (the
     * router), {@code mlp.shared_expert}, {@code mlp.shared_expert_gate} (Qwen2-MoE). Mixtral's
     * {@code block_sparse_moe} is called {@code mlp} here, as transformers 5 names it.
     */
    private static final java.util.regex.Pattern MOE_FREEZE_MODULE =
            java.util.regex.Pattern.compile("mlp\\.(experts(\\.\\d+)?|gate|shared_expert|shared_expert_gate)");

    /** Whether freeze tuning may name this module: one of {@link #FREEZE_MODULES} or a mixture-of-experts part. */
    public static boolean isFreezeModule(String module) {
        return FREEZE_MODULES.contains(module) || MOE_FREEZE_MODULE.matcher(module).matches();
    }

    static final RecipeField STAGE = RecipeField.choice("stage", Section.METHOD, "sft",
            List.of("sft", "pt", "rm", "dpo", "kto", "ppo"), "Stage", "sft: supervised fine-tuning on prompts and answers; "
                    + "pt: continued pre-training on raw text; rm: a reward model on chosen/rejected pairs; dpo: "
                    + "preference training on chosen/rejected pairs (pref_loss sigmoid, hinge, ipo, orpo, simpo); "
                    + "kto: KTO on answers tagged desirable or undesirable (kto_tag); ppo: PPO against a trained "
                    + "reward model (reward_model).");
    static final RecipeField DO_TRAIN = RecipeField.bool("do_train", Section.METHOD, true, "Train",
            "Run training (LLaMA-Factory's do_train; false leaves nothing to do).");
    static final RecipeField FINETUNING_TYPE = RecipeField.choice("finetuning_type", Section.METHOD, "lora",
            List.of("lora", "freeze", "full", "prefix", "adapter", "oft"), "Fine-tuning method",
            "lora: small adapters on the frozen model (least memory); freeze: the last layers train; full: every "
                    + "weight; prefix: prefix tuning (trained virtual tokens); adapter: bottleneck adapters; oft: "
                    + "orthogonal fine-tuning (trained rotations of the linear layers' inputs, PEFT's OFT). Prefix "
                    + "and adapter results stay beside the base model (they cannot be merged).");
    static final RecipeField LORA_RANK = RecipeField.integer("lora_rank", Section.LORA, 8L, Range.between(1, 4096),
            "LoRA rank", "Rank r of the adapter matrices; higher learns more and uses more memory.");
    static final RecipeField LORA_ALPHA = RecipeField.decimal("lora_alpha", Section.LORA, null,
            Range.aboveUpTo(0, 1_000_000), "LoRA alpha",
            "Scaling α: the update is (α/r)·B·A. Blank: 2 × rank (LLaMA-Factory's default).");
    static final RecipeField LORA_DROPOUT = RecipeField.decimal("lora_dropout", Section.LORA, 0.0,
            Range.fromBelow(0, 1), "LoRA dropout", "Dropout on the adapter input, from 0 up to (not including) 1.");
    static final RecipeField LORA_TARGET = RecipeField.text("lora_target", Section.LORA, "all", "LoRA target modules",
            "Comma-separated linear modules (q_proj,v_proj), dotted suffixes of module paths (mlp.down_proj, "
                    + "model.layers.0.self_attn.q_proj), all (every linear layer of the decoder blocks), or one regular "
                    + "expression matched against the whole module path as PEFT does (.*\\.(q_proj|v_proj)).");
    static final RecipeField USE_RSLORA = RecipeField.bool("use_rslora", Section.LORA, false, "rsLoRA",
            "Rank-stabilised scaling α/√r instead of α/r.");
    static final RecipeField USE_DORA = RecipeField.bool("use_dora", Section.LORA, false, "DoRA",
            "Weight-decomposed LoRA: a trained magnitude per output feature rescales the adapted weight "
                    + "(PEFT's use_dora; a little more memory and time than LoRA).");
    static final RecipeField LORAPLUS_LR_RATIO = RecipeField.decimal("loraplus_lr_ratio", Section.LORA, null,
            Range.aboveUpTo(0, 1_000_000), "LoRA+ ratio",
            "LoRA+: the B matrices learn at learning rate × this ratio (16 is typical); blank: off.");
    static final RecipeField PISSA_INIT = RecipeField.bool("pissa_init", Section.LORA, false, "PiSSA",
            "Start the adapter from the weight's principal singular part and train on the residual base (PiSSA; "
                    + "PEFT's init_lora_weights pissa). Needs a float32 base; bf16 computes it in bf16 per use.");
    static final RecipeField PISSA_ITER = RecipeField.integer("pissa_iter", Section.LORA, 16L, Range.between(-1, 10_000),
            "PiSSA SVD iterations", "Fast-SVD power iterations for PiSSA (PEFT's pissa_niter_N); -1: full SVD.");
    static final RecipeField PISSA_CONVERT = RecipeField.bool("pissa_convert", Section.LORA, false,
            "Convert PiSSA to LoRA", "Save the PiSSA adapter as the ordinary LoRA (rank 2r) it amounts to on the "
                    + "original model, so it loads, chats and merges like any LoRA.");
    static final RecipeField ADDITIONAL_TARGET = RecipeField.text("additional_target", Section.LORA, null,
            "Also train whole", "Modules besides the adapters that train in full and are saved with the adapter "
                    + "(PEFT's modules_to_save): a comma list of embed_tokens, lm_head, norm. Blank: none.");
    static final RecipeField CREATE_NEW_ADAPTER = RecipeField.bool("create_new_adapter", Section.LORA, false,
            "New adapter on top", "With adapter_name_or_path: merge that adapter into the base and train a fresh "
                    + "one (LLaMA-Factory's create_new_adapter), instead of continuing it.");
    static final RecipeField FREEZE_TRAINABLE_LAYERS = RecipeField.integer("freeze_trainable_layers", Section.FREEZE,
            2L, Range.between(-10_000, 10_000), "Trainable layers", "N > 0: the last N decoder layers train; N < 0: "
                    + "the first |N|; with LLaMA Pro: the N blocks the expansion added. The rest stays frozen.");
    static final RecipeField USE_LLAMA_PRO = RecipeField.bool("use_llama_pro", Section.FREEZE, false, "LLaMA Pro",
            "Train only the blocks a LLaMA Pro block expansion added (every (layers/N)-th layer, N the trainable "
                    + "layers); expand a model first with the CLI's llama-pro-expand.");
    static final RecipeField FREEZE_EXTRA_MODULES = RecipeField.text("freeze_extra_modules", Section.FREEZE, null,
            "Also train whole", "Modules outside the decoder layers that train too: a comma list of embed_tokens, "
                    + "norm, lm_head (lm_head only where it is not tied to embed_tokens). Blank: none.");
    static final RecipeField FREEZE_TRAINABLE_MODULES = RecipeField.text("freeze_trainable_modules", Section.FREEZE,
            "all", "Trainable modules",
            "Modules inside those layers that train: all, or a comma list of self_attn, mlp, input_layernorm, "
                    + "post_attention_layernorm; for a mixture of experts also mlp.experts, mlp.experts.N (one "
                    + "expert), mlp.gate (the router), mlp.shared_expert.");

    static final List<RecipeField> FIELDS = java.util.stream.Stream.concat(List.of(STAGE, DO_TRAIN, FINETUNING_TYPE,
            LORA_RANK, LORA_ALPHA, LORA_DROPOUT, LORA_TARGET, USE_RSLORA, USE_DORA, LORAPLUS_LR_RATIO, PISSA_INIT,
            PISSA_ITER, PISSA_CONVERT, ADDITIONAL_TARGET, CREATE_NEW_ADAPTER, FREEZE_TRAINABLE_LAYERS,
            FREEZE_TRAINABLE_MODULES, USE_LLAMA_PRO, FREEZE_EXTRA_MODULES, RecipeOft.OFT_RANK, RecipeOft.OFT_BLOCK_SIZE, RecipeOft.OFT_TARGET,
            RecipeOft.MODULE_DROPOUT).stream(), RecipeAdapterMethods.FIELDS.stream()).toList();

    /**
     * LoRA's settings (PEFT's LoraConfig names).
     *
     * @param rank          {@code lora_rank}: r, inner dimension of B·A
     * @param alpha         {@code lora_alpha}: the update is scaled by alpha/r (alpha/√r with rsLoRA)
     * @param dropout       {@code lora_dropout}: dropout on the adapter's input while training
     * @param targetModules {@code lora_target}: the linear modules that get an adapter, expanded from "all"
     * @param useRslora     {@code use_rslora}: rank-stabilised scaling
     * @param useDora       {@code use_dora}: DoRA's trained magnitude per output feature
     * @param loraPlusLrRatio {@code loraplus_lr_ratio}: LoRA+'s learning-rate ratio of B over A; empty: off
     * @param pissaInit     {@code pissa_init}: PiSSA initialises the adapter (the base keeps the residual)
     * @param pissaIter     {@code pissa_iter}: PiSSA's fast-SVD iterations; -1 full SVD
     * @param pissaConvert  {@code pissa_convert}: save PiSSA as the ordinary rank-2r LoRA it amounts to
     * @param createNewAdapter {@code create_new_adapter}: merge adapter_name_or_path into the base, train a new one
     * @param additionalTargets {@code additional_target}: modules trained whole beside the adapters
     *                      ({@link #ADDITIONAL_TARGETS}; PEFT's modules_to_save), empty for none
     */
    public record Lora(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora,
            boolean useDora, Optional<Double> loraPlusLrRatio, boolean pissaInit, int pissaIter, boolean pissaConvert,
            boolean createNewAdapter, List<String> additionalTargets) {

        public Lora {
            targetModules = List.copyOf(targetModules);
            additionalTargets = List.copyOf(additionalTargets);
        }
    }

    /**
     * Freeze tuning's trainable part.
     *
     * @param trainableLayers  {@code freeze_trainable_layers}: N > 0 the last N decoder layers train, N < 0 the first
     *                         |N|; with {@code llamaPro} the N blocks a LLaMA Pro expansion added
     * @param trainableModules {@code freeze_trainable_modules}: the modules inside them that train (all expanded)
     * @param llamaPro         {@code use_llama_pro}: the trainable layers are every (layers/N)-th one, LLaMA Pro's
     *                         expanded blocks
     * @param extraModules     {@code freeze_extra_modules}: modules outside the layers that train whole
     *                         ({@link #ADDITIONAL_TARGETS}), empty for none
     */
    public record Freeze(int trainableLayers, List<String> trainableModules, boolean llamaPro,
                         List<String> extraModules) {

        public Freeze {
            trainableModules = List.copyOf(trainableModules);
            extraModules = List.copyOf(extraModules);
        }

        /** The last {@code trainableLayers} layers, no LLaMA Pro, nothing outside the layers. */
        public Freeze(int trainableLayers, List<String> trainableModules) {
            this(trainableLayers, trainableModules, false, List.of());
        }

        /** The indices of the decoder layers that train in a model of {@code numLayers} layers. */
        public List<Integer> layerIds(int numLayers) {
            return freezeLayerIds(trainableLayers, llamaPro, numLayers);
        }
    }

    /**
     * The decoder layers freeze tuning trains, as LLaMA-Factory's {@code _setup_freeze_tuning} picks them: with LLaMA
     * Pro every {@code stride}-th layer ({@code stride = layers / n}, the blocks {@code llama-pro-expand} added after
     * each group), else the last {@code n} (n > 0) or the first {@code |n|} (n < 0).
     *
     * @throws IllegalArgumentException where the model cannot be tuned so (n = 0, |n| above the layers, layers not
     *                                  divisible by n for LLaMA Pro), with the reason
     */
    public static List<Integer> freezeLayerIds(int n, boolean llamaPro, int numLayers) {
        if (n == 0) {
            throw new IllegalArgumentException("freeze_trainable_layers 0 trains nothing: use N > 0 (the last N "
                    + "layers) or N < 0 (the first |N|)");
        }
        if (Math.abs(n) > numLayers) {
            throw new IllegalArgumentException("freeze_trainable_layers " + n + ", but the model has only " + numLayers
                    + " layers");
        }
        if (llamaPro) {
            if (n < 0 || numLayers % n != 0) {
                throw new IllegalArgumentException("use_llama_pro: the model's " + numLayers + " layers must be a "
                        + "multiple of freeze_trainable_layers " + n + " (the number of blocks llama-pro-expand added)");
            }
            int stride = numLayers / n;
            return java.util.stream.IntStream.range(0, n).mapToObj(i -> stride - 1 + i * stride).toList();
        }
        return n > 0 ? java.util.stream.IntStream.range(numLayers - n, numLayers).boxed().toList()
                : java.util.stream.IntStream.range(0, -n).boxed().toList();
    }

    /**
     * The method as the job page and Compare name it, from the recipe: {@code LoRA r=8}, {@code LoRA r=16 on
     * q_proj,v_proj (DoRA, rsLoRA)}, {@code LoRA r=8 (PiSSA, saved as LoRA)}, {@code freeze: last 2 layers},
     * {@code full}.
     */
    public String describe() {
        return switch (finetuningType) {
            case LORA -> {
                List<String> variants = new ArrayList<>();
                if (lora.useDora()) {
                    variants.add("DoRA");
                }
                if (lora.useRslora()) {
                    variants.add("rsLoRA");
                }
                if (lora.pissaInit()) {
                    variants.add(lora.pissaConvert() ? "PiSSA, saved as LoRA" : "PiSSA");
                }
                if (!lora.additionalTargets().isEmpty()) {
                    variants.add("+ " + String.join(",", lora.additionalTargets()) + " whole");
                }
                lora.loraPlusLrRatio().ifPresent(r -> variants.add("LoRA+ ×" + (r == Math.rint(r) ? String.valueOf(r.longValue())
                        : String.valueOf(r))));
                String targets = lora.targetModules().equals(LINEAR_MODULES) ? ""
                        : " on " + String.join(",", lora.targetModules());
                yield "LoRA r=" + lora.rank() + targets + (variants.isEmpty() ? "" : " (" + String.join(", ", variants) + ")");
            }
            case FREEZE -> describeFreeze();
            case FULL -> "full";
            case PREFIX -> "prefix tuning: " + prefix.numVirtualTokens() + " virtual tokens"
                    + (prefix.prefixProjection() ? " (reparameterised)" : "");
            case ADAPTER -> "bottleneck adapters (" + adapter.placement() + ", reduction "
                    + RecipeField.textOf(adapter.reductionFactor()) + ")";
            case OFT -> oft.describe();
        };
    }

    /** {@code freeze: last 2 layers}, {@code freeze: first 3 layers (mlp)}, {@code freeze: 8 LLaMA Pro blocks + norm}. */
    private String describeFreeze() {
        int n = Math.abs(freeze.trainableLayers());
        String layers = freeze.llamaPro() ? n + " LLaMA Pro " + (n == 1 ? "block" : "blocks")
                : (freeze.trainableLayers() > 0 ? "last " : "first ") + n + (n == 1 ? " layer" : " layers");
        return "freeze: " + layers
                + (freeze.trainableModules().equals(FREEZE_MODULES) ? ""
                    : " (" + String.join(",", freeze.trainableModules()) + ")")
                + (freeze.extraModules().isEmpty() ? "" : " + " + String.join(",", freeze.extraModules()));
    }

    static RecipeMethod from(RecipeValues v) {
        if (!v.bool(DO_TRAIN) && !v.bool(RecipeEvaluation.DO_PREDICT)) { // do_predict alone: a prediction run
            throw DO_TRAIN.refused(false, v.source(), "true (do_train: false leaves nothing to do unless do_predict: "
                    + "true asks for a prediction run)");
        }
        int rank = (int) v.integer(LORA_RANK);
        Lora lora = new Lora(rank, v.optionalDecimal(LORA_ALPHA).orElse(2.0 * rank), v.decimal(LORA_DROPOUT),
                loraTargets(v),
                v.bool(USE_RSLORA), v.bool(USE_DORA), v.optionalDecimal(LORAPLUS_LR_RATIO),
                v.bool(PISSA_INIT), (int) v.integer(PISSA_ITER), v.bool(PISSA_CONVERT),
                v.bool(CREATE_NEW_ADAPTER), additionalTargets(v));
        int trainableLayers = (int) v.integer(FREEZE_TRAINABLE_LAYERS);
        if (trainableLayers == 0) {
            throw FREEZE_TRAINABLE_LAYERS.refused(0L, v.source(), "N > 0 (the last N layers train) or N < 0 (the "
                    + "first |N|); 0 trains nothing");
        }
        boolean llamaPro = v.bool(USE_LLAMA_PRO);
        if (llamaPro && trainableLayers < 0) {
            throw FREEZE_TRAINABLE_LAYERS.refused((long) trainableLayers, v.source(), "N > 0 with use_llama_pro "
                    + "(the number of blocks llama-pro-expand added)");
        }
        Freeze freeze = new Freeze(trainableLayers, freezeModules(v), llamaPro, moduleList(FREEZE_EXTRA_MODULES, v));
        FinetuningType type = FinetuningType.valueOf(v.text(FINETUNING_TYPE).toUpperCase(Locale.ROOT));
        if (type == FinetuningType.OFT && !lora.additionalTargets().isEmpty()) {
            throw ADDITIONAL_TARGET.refused(v.text(ADDITIONAL_TARGET), v.source(), "blank with finetuning_type oft "
                    + "(TuneForge trains modules whole beside LoRA adapters only)");
        }
        return new RecipeMethod(v.text(STAGE), type, lora, freeze, RecipeAdapterMethods.prefix(v),
                RecipeAdapterMethods.adapter(v), RecipeOft.from(v, type == FinetuningType.OFT));
    }

    /** Characters that make a {@code lora_target} one regular expression rather than a comma list of names. */
    private static final java.util.regex.Pattern REGEX_SIGNS = java.util.regex.Pattern.compile("[*+?()\\[\\]{}|^$\\\\]");

    /**
     * Whether a target text is one regular expression, which PEFT matches with {@code re.fullmatch} against the whole
     * module path (a {@code str} target_modules), rather than a list of names and dotted suffixes.
     */
    public static boolean isTargetPattern(String text) {
        return text != null && REGEX_SIGNS.matcher(text).find();
    }

    /**
     * PEFT's {@code check_target_module_exists} for one module path: a pattern (one entry, see
     * {@link #isTargetPattern}) must match the whole path; a list entry must equal the path or be a dotted suffix of it.
     */
    public static boolean targetMatches(List<String> targets, String modulePath) {
        if (targets.size() == 1 && isTargetPattern(targets.getFirst())) {
            return java.util.regex.Pattern.compile(targets.getFirst()).matcher(modulePath).matches();
        }
        return targets.stream().anyMatch(t -> modulePath.equals(t) || modulePath.endsWith("." + t));
    }

    /**
     * {@code lora_target}: all, a comma list of linear module names or dotted suffixes ending in one
     * ({@code mlp.down_proj}), or one regular expression (kept as written: case matters there).
     */
    private static List<String> loraTargets(RecipeValues v) {
        return targets(LORA_TARGET, v);
    }

    /** A target key ({@code lora_target}, {@code oft_target}) read with PEFT's two forms, as {@link #loraTargets}. */
    static List<String> targets(RecipeField field, RecipeValues v) {
        String text = v.text(field).strip();
        if (isTargetPattern(text)) {
            try {
                java.util.regex.Pattern.compile(text);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw field.refused(text, v.source(), "a valid regular expression (" + e.getDescription()
                        + " at index " + e.getIndex() + ")");
            }
            return List.of(text);
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (List.of("all", "all-linear", "all_linear").contains(lower)) {
            return LINEAR_MODULES;
        }
        List<String> known = new ArrayList<>(LINEAR_MODULES);
        known.addAll(FUSED_LINEAR_MODULES);
        known.addAll(MOE_LINEAR_MODULES);
        known.addAll(T5_LINEAR_MODULES);
        String expected = "all or a comma list of " + String.join(", ", known) + " (or dotted suffixes ending in one, "
                + "e.g. mlp.down_proj), or one regular expression; embed_tokens and lm_head train whole through "
                + "additional_target";
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String part : lower.split("[,\\s]+")) {
            if (part.isBlank()) {
                continue;
            }
            String last = part.substring(part.lastIndexOf('.') + 1);
            if (!known.contains(last) || !part.matches("[a-z0-9_.]+") || part.startsWith(".")) {
                throw field.refused(v.text(field), v.source(), expected);
            }
            chosen.add(part);
        }
        if (chosen.isEmpty()) {
            throw field.refused(v.text(field), v.source(), expected);
        }
        return new ArrayList<>(chosen);
    }

    /** {@code additional_target}: blank for none, else a comma list of {@link #ADDITIONAL_TARGETS}. */
    private static List<String> additionalTargets(RecipeValues v) {
        return moduleList(ADDITIONAL_TARGET, v);
    }

    /**
     * {@code additional_target} / {@code freeze_extra_modules}: blank, or a comma list of {@link #ADDITIONAL_TARGETS}
     * (the modules outside the decoder layers).
     */
    private static List<String> moduleList(RecipeField field, RecipeValues v) {
        String text = v.optionalText(field).orElse("");
        if (text.isBlank()) {
            return List.of();
        }
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String part : text.toLowerCase(Locale.ROOT).split("[,\\s]+")) {
            if (part.isBlank()) {
                continue;
            }
            if (!ADDITIONAL_TARGETS.contains(part)) {
                throw field.refused(text, v.source(), "blank or a comma list of "
                        + String.join(", ", ADDITIONAL_TARGETS) + " (the modules outside the decoder layers)");
            }
            chosen.add(part);
        }
        return new ArrayList<>(chosen);
    }

    /** {@code freeze_trainable_modules}: all, or a comma list of {@link #isFreezeModule} names. */
    private static List<String> freezeModules(RecipeValues v) {
        String text = v.text(FREEZE_TRAINABLE_MODULES).toLowerCase(Locale.ROOT).strip();
        if (text.equals("all")) {
            return FREEZE_MODULES;
        }
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String part : text.split("[,\\s]+")) {
            if (!part.isBlank() && !isFreezeModule(part)) {
                throw FREEZE_TRAINABLE_MODULES.refused(v.text(FREEZE_TRAINABLE_MODULES), v.source(), "all or a comma "
                        + "list of " + String.join(", ", FREEZE_MODULES) + " (mixtures of experts also mlp.experts, "
                        + "mlp.experts.N, mlp.gate, mlp.shared_expert, mlp.shared_expert_gate)");
            }
            if (!part.isBlank()) {
                chosen.add(part);
            }
        }
        if (chosen.isEmpty()) {
            throw FREEZE_TRAINABLE_MODULES.refused(v.text(FREEZE_TRAINABLE_MODULES), v.source(), "all or a comma list "
                    + "of " + String.join(", ", FREEZE_MODULES));
        }
        return new ArrayList<>(chosen);
    }

    /**
     * A comma list of module names, each in {@code all} or {@code alsoKnown}; "all" (or an alias) expanded to
     * {@code all}.
     */
    private static List<String> modules(RecipeField field, RecipeValues v, List<String> all, List<String> alsoKnown,
                                        List<String> allNames) {
        String text = v.text(field).toLowerCase(Locale.ROOT).strip();
        if (allNames.contains(text)) {
            return all;
        }
        List<String> known = new ArrayList<>(all);
        known.addAll(alsoKnown);
        LinkedHashSet<String> chosen = new LinkedHashSet<>();
        for (String part : text.split("[,\\s]+")) {
            if (part.isBlank()) {
                continue;
            }
            if (!known.contains(part)) {
                throw field.refused(v.text(field), v.source(), "all or a comma list of " + String.join(", ", known));
            }
            chosen.add(part);
        }
        if (chosen.isEmpty()) {
            throw field.refused(v.text(field), v.source(), "all or a comma list of " + String.join(", ", known));
        }
        return new ArrayList<>(chosen);
    }
}
