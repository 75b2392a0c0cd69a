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
 *                       model on preference pairs), dpo (preference optimisation on pairs) or kto (KTO on tagged answers)
 * @param finetuningType {@code finetuning_type}: lora, freeze or full
 * @param lora           LoRA settings (used when finetuningType is lora)
 * @param freeze         freeze settings (used when finetuningType is freeze)
 */
public record RecipeMethod(String stage, FinetuningType finetuningType, Lora lora, Freeze freeze) {

    /** LLaMA-Factory's {@code finetuning_type} values TuneForge trains. */
    public enum FinetuningType {
        /** Low-rank adapters on the frozen base. */
        LORA,
        /** The last layers train, the rest stays frozen. */
        FREEZE,
        /** Every weight trains. */
        FULL;

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

    /** The modules of a decoder block that freeze tuning can train, as LLaMA-Factory names them. */
    public static final List<String> FREEZE_MODULES = List.of("self_attn", "mlp", "input_layernorm",
            "post_attention_layernorm");

    static final RecipeField STAGE = RecipeField.choice("stage", Section.METHOD, "sft",
            List.of("sft", "pt", "rm", "dpo", "kto", "ppo"), "Stage", "sft: supervised fine-tuning on prompts and answers; "
                    + "pt: continued pre-training on raw text; rm: a reward model on chosen/rejected pairs; dpo: "
                    + "preference training on chosen/rejected pairs (pref_loss sigmoid, hinge, ipo, orpo, simpo); "
                    + "kto: KTO on answers tagged desirable or undesirable (kto_tag); ppo: PPO against a trained "
                    + "reward model (reward_model).");
    static final RecipeField DO_TRAIN = RecipeField.bool("do_train", Section.METHOD, true, "Train",
            "Run training (LLaMA-Factory's do_train; false leaves nothing to do).");
    static final RecipeField FINETUNING_TYPE = RecipeField.choice("finetuning_type", Section.METHOD, "lora",
            List.of("lora", "freeze", "full"), "Fine-tuning method",
            "lora: small adapters on the frozen model (least memory); freeze: the last layers train; full: every weight.");
    static final RecipeField LORA_RANK = RecipeField.integer("lora_rank", Section.LORA, 8L, Range.between(1, 4096),
            "LoRA rank", "Rank r of the adapter matrices; higher learns more and uses more memory.");
    static final RecipeField LORA_ALPHA = RecipeField.decimal("lora_alpha", Section.LORA, null,
            Range.aboveUpTo(0, 1_000_000), "LoRA alpha",
            "Scaling α: the update is (α/r)·B·A. Blank: 2 × rank (LLaMA-Factory's default).");
    static final RecipeField LORA_DROPOUT = RecipeField.decimal("lora_dropout", Section.LORA, 0.0,
            Range.fromBelow(0, 1), "LoRA dropout", "Dropout on the adapter input, from 0 up to (not including) 1.");
    static final RecipeField LORA_TARGET = RecipeField.text("lora_target", Section.LORA, "all", "LoRA target modules",
            "Comma-separated linear modules (q_proj,v_proj) or all (every linear layer of the decoder blocks).");
    static final RecipeField USE_RSLORA = RecipeField.bool("use_rslora", Section.LORA, false, "rsLoRA",
            "Rank-stabilised scaling α/√r instead of α/r.");
    static final RecipeField USE_DORA = RecipeField.bool("use_dora", Section.LORA, false, "DoRA",
            "Weight-decomposed LoRA: a trained magnitude per output feature rescales the adapted weight "
                    + "(PEFT's use_dora; a little more memory and time than LoRA).");
    static final RecipeField LORAPLUS_LR_RATIO = RecipeField.decimal("loraplus_lr_ratio", Section.LORA, null,
            Range.aboveUpTo(0, 1_000_000), "LoRA+ ratio",
            "LoRA+: the B matrices learn at learning rate × this ratio (16 is typical); blank: off.");
    static final RecipeField FREEZE_TRAINABLE_LAYERS = RecipeField.integer("freeze_trainable_layers", Section.FREEZE,
            2L, Range.between(1, 10_000), "Trainable layers", "The last N decoder layers train; the rest stays frozen.");
    static final RecipeField FREEZE_TRAINABLE_MODULES = RecipeField.text("freeze_trainable_modules", Section.FREEZE,
            "all", "Trainable modules",
            "Modules inside those layers that train: all, or a comma list of self_attn, mlp, input_layernorm, "
                    + "post_attention_layernorm.");

    static final List<RecipeField> FIELDS = List.of(STAGE, DO_TRAIN, FINETUNING_TYPE, LORA_RANK, LORA_ALPHA,
            LORA_DROPOUT, LORA_TARGET, USE_RSLORA, USE_DORA, LORAPLUS_LR_RATIO, FREEZE_TRAINABLE_LAYERS, FREEZE_TRAINABLE_MODULES);

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
     */
    public record Lora(int rank, double alpha, double dropout, List<String> targetModules, boolean useRslora,
            boolean useDora, Optional<Double> loraPlusLrRatio) {

        public Lora {
            targetModules = List.copyOf(targetModules);
        }
    }

    /**
     * Freeze tuning's trainable part.
     *
     * @param trainableLayers  {@code freeze_trainable_layers}: the last N decoder layers train
     * @param trainableModules {@code freeze_trainable_modules}: the modules inside them that train (all expanded)
     */
    public record Freeze(int trainableLayers, List<String> trainableModules) {

        public Freeze {
            trainableModules = List.copyOf(trainableModules);
        }
    }

    static RecipeMethod from(RecipeValues v) {
        if (!v.bool(DO_TRAIN)) {
            throw DO_TRAIN.refused(false, v.source(), "true (do_train: false leaves nothing to do; remove it)");
        }
        int rank = (int) v.integer(LORA_RANK);
        Lora lora = new Lora(rank, v.optionalDecimal(LORA_ALPHA).orElse(2.0 * rank), v.decimal(LORA_DROPOUT),
                modules(LORA_TARGET, v, LINEAR_MODULES, FUSED_LINEAR_MODULES, List.of("all", "all-linear", "all_linear")),
                v.bool(USE_RSLORA), v.bool(USE_DORA), v.optionalDecimal(LORAPLUS_LR_RATIO));
        Freeze freeze = new Freeze((int) v.integer(FREEZE_TRAINABLE_LAYERS),
                modules(FREEZE_TRAINABLE_MODULES, v, FREEZE_MODULES, List.of(), List.of("all")));
        return new RecipeMethod(v.text(STAGE),
                FinetuningType.valueOf(v.text(FINETUNING_TYPE).toUpperCase(Locale.ROOT)), lora, freeze);
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
