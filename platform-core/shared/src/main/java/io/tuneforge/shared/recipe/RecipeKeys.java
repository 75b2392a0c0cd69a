package io.tuneforge.shared.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The table of every key a job recipe knows: the keys TuneForge reads ({@link #FIELDS}, declared by the section
 * records), LLaMA-Factory keys accepted and ignored ({@link #IGNORED}, with why), and LLaMA-Factory keys not supported
 * ({@link #UNSUPPORTED}, with the reason shown to the user). A key in none of them is refused as unknown, so a typo
 * never falls back to a default silently. Adding a key is one field in its section record.
 */
public final class RecipeKeys {

    /** Every key TuneForge reads, in the form's order. */
    public static final List<RecipeField> FIELDS = Stream.of(RecipeModel.FIELDS, RecipeMethod.FIELDS,
            RecipePreference.FIELDS, RecipeData.FIELDS, RecipeOptimization.FIELDS, RecipeEvaluation.FIELDS, RecipeOutputs.FIELDS)
            .flatMap(List::stream).toList();

    /** LLaMA-Factory keys that only tune LLaMA-Factory's own machinery: accepted, with no effect here. */
    public static final Map<String, String> IGNORED = ignored();

    /** LLaMA-Factory keys TuneForge does not support, with the reason; refused unless false, none or null. */
    public static final Map<String, String> UNSUPPORTED = unsupported();

    /**
     * Values of read keys that LLaMA-Factory has and TuneForge does not support yet, with the reason: refused with it
     * instead of a bare "not one of the choices".
     */
    public static final Map<String, Map<String, String>> UNSUPPORTED_VALUES = Map.of(
            "stage", stages("PPO and KTO are not supported yet: stage sft, pt, rm or dpo", "ppo", "kto"),
            "pref_loss", Map.of("kto_pair", "the kto_pair loss is not supported; use sigmoid, hinge, ipo, orpo or "
                    + "simpo"),
            "flash_attn", Map.of("fa2", "flash_attn fa2 (FlashAttention-2) needs a CUDA GPU and TuneForge trains on "
                    + "the CPU: use sdpa (or auto), which fuses attention there"));

    /** Keys the platform itself writes into a job's stored configuration (never given by users). */
    public static final List<String> PLATFORM_KEYS = List.of("dataset_mix");

    /** OpenAI's fine-tuning hyperparameter names (REST) and the recipe keys they map to. */
    public static final Map<String, String> OPENAI_NAMES = Map.of("n_epochs", "num_train_epochs",
            "batch_size", "per_device_train_batch_size", "learning_rate_multiplier", "learning_rate");

    /** Other names of recipe keys (Hugging Face's, where LLaMA-Factory renamed one), read as the recipe key. */
    public static final Map<String, String> ALIASES = Map.of("early_stopping_patience", "early_stopping_steps");

    private RecipeKeys() {
    }

    /** The values with aliases renamed to their recipe key; an alias given beside its key is refused. */
    static Map<String, ?> withCanonicalNames(Map<String, ?> values) {
        if (ALIASES.keySet().stream().noneMatch(values::containsKey)) {
            return values;
        }
        Map<String, Object> renamed = new LinkedHashMap<>(values);
        ALIASES.forEach((alias, key) -> {
            if (renamed.containsKey(alias)) {
                Object value = renamed.remove(alias);
                if (renamed.containsKey(key)) {
                    throw new RecipeException(alias, value, "only one of " + alias + " and " + key,
                            alias + " and " + key + " set the same thing: give only one");
                }
                renamed.put(key, value);
            }
        });
        return renamed;
    }

    /** The field of a key, if the recipe reads it. */
    public static Optional<RecipeField> field(String key) {
        return FIELDS.stream().filter(f -> f.key().equals(key)).findFirst();
    }

    private static Map<String, String> ignored() {
        Map<String, String> m = new LinkedHashMap<>();
        String machinery = "tunes LLaMA-Factory's own data loading or logging; TuneForge has no equivalent to set";
        for (String k : List.of("overwrite_cache", "preprocessing_num_workers",
                "dataloader_num_workers", "ddp_timeout", "report_to", "logging_dir", "run_name", "save_only_model",
                "plot_loss")) {
            m.put(k, machinery);
        }
        m.put("trust_remote_code", "TuneForge runs no model code from the model folder; architectures are built in");
        m.put("loraplus_lr_embedding", "LoRA+'s learning rate of LoRA on embedding layers; TuneForge puts LoRA on "
                + "the linear layers only, so it has nothing to act on (loraplus_lr_ratio applies)");
        return Map.copyOf(m);
    }

    private static Map<String, String> unsupported() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "quantized training (QLoRA) is not supported yet; remove it to train LoRA on the full-precision model",
                "quantization_bit", "quantization_method", "quantization_type", "double_quantization");
        put(m, "distributed training is not supported: TuneForge trains a job on one device",
                "deepspeed", "fsdp", "fsdp_config", "ddp_find_unused_parameters");
        put(m, "fp16 on the CPU runs ~1 GFLOP/s (CPUs have no fp16 matrix units): use bf16: true", "fp16");
        put(m, "pure_bf16 (trainable weights in bf16 too) is not supported: use bf16: true, which keeps trainable "
                + "weights, optimizer state and the loss in float32", "pure_bf16");
        put(m, "tf32 is a CUDA (Ampere) setting; TuneForge trains on the CPU: remove it", "tf32");
        put(m, "this fine-tuning variant is not supported yet; TuneForge offers lora (with use_rslora, use_dora, "
                + "loraplus_lr_ratio), freeze "
                + "(freeze_trainable_layers, freeze_trainable_modules) and full",
                "lora_bf16_mode", "use_galore", "use_badam", "use_apollo",
                "use_adam_mini", "use_muon", "use_llama_pro", "freeze_extra_modules", "freeze_vision_tower",
                "use_asft_loss", "asft_alpha");
        put(m, "this data option is not supported", "neat_packing", "mask_history", "tool_format", "streaming",
                "buffer_size", "mix_strategy", "interleave_probs", "tokenized_path", "eval_dataset",
                "image_max_pixels", "video_max_pixels");
        put(m, "this model option is not supported yet", "shift_attn", "rope_scaling",
                "enable_liger_kernel", "use_unsloth", "upcast_layernorm", "upcast_lmhead_output", "moe_aux_loss_coef",
                "disable_gradient_checkpointing");
        put(m, "PPO and KTO training are not supported yet: stage sft, pt, rm or dpo", "reward_model",
                "ppo_epochs", "kto_chosen_weight");
        put(m, "this preference option is not supported yet", "pref_bco_weight", "ld_alpha");
        put(m, "use eval_steps and val_size; separate evaluation runs are a different command", "do_eval",
                "do_predict", "predict_with_generate", "eval_strategy", "evaluation_strategy");
        return Map.copyOf(m);
    }

    private static Map<String, String> stages(String reason, String... values) {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, reason, values);
        return Map.copyOf(m);
    }

    /** The reason a read key's value is not supported yet, if it is one LLaMA-Factory has. */
    static Optional<String> unsupportedValue(String key, Object value) {
        return Optional.ofNullable(UNSUPPORTED_VALUES.getOrDefault(key, Map.of())
                .get(String.valueOf(value).strip().toLowerCase(java.util.Locale.ROOT)));
    }

    private static void put(Map<String, String> m, String reason, String... keys) {
        for (String key : keys) {
            m.put(key, reason);
        }
    }

    /** Every key known in any way (read, ignored or refused with a reason), sorted: for "unknown key" messages. */
    static List<String> knownKeys() {
        List<String> keys = new ArrayList<>(FIELDS.stream().map(RecipeField::key).toList());
        keys.addAll(IGNORED.keySet());
        keys.addAll(ALIASES.keySet());
        return keys.stream().sorted().toList();
    }
}
