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
            RecipePreference.FIELDS, RecipeGeneration.FIELDS, RecipeData.FIELDS, RecipeOptimization.ALL_FIELDS,
            RecipeEvaluation.FIELDS, RecipeOutputs.FIELDS)
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
            "pref_loss", Map.of("kto_pair", "the kto_pair loss is not supported; use sigmoid, hinge, ipo, orpo or "
                    + "simpo"),
            "flash_attn", Map.of("fa2", "flash_attn fa2 (FlashAttention-2) needs a CUDA GPU and TuneForge trains on "
                    + "the CPU: use sdpa (or auto), which fuses attention there"),
            "quantization_method", quantizationMethods());

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
        m.put("apollo_scale_front", "LLaMA-Factory passes it in APOLLO's parameter group, where APOLLO never reads "
                + "it (it reads its constructor's, off): it has no effect there either");
        m.put("length_penalty", "beam search's length penalty; TuneForge samples or decodes greedily (num_beams 1)");
        m.put("max_length", "Hugging Face's cap on prompt + answer, which max_new_tokens overrides (LLaMA-Factory sets "
                + "both); TuneForge reads max_new_tokens");
        m.put("skip_special_tokens", "answers are decoded without special tokens, as LLaMA-Factory's default true");
        m.put("badam_verbose", "BAdam's console logging; TuneForge's log shows the step and loss instead");
        m.put("trust_remote_code", "TuneForge runs no model code from the model folder; architectures are built in");
        m.put("reward_model_type", "TuneForge reads the reward_model folder itself: a PEFT adapter there is applied to "
                + "a copy of the base, full weights are loaded as they are");
        m.put("loraplus_lr_embedding", "LoRA+'s learning rate of LoRA on embedding layers; TuneForge puts LoRA on "
                + "the linear layers only, so it has nothing to act on (loraplus_lr_ratio applies)");
        return Map.copyOf(m);
    }

    private static Map<String, String> unsupported() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "quantization_device_map places a quantized model across GPUs for inference; TuneForge runs a job on "
                + "one device: remove it", "quantization_device_map");
        put(m, "distributed training is not supported: TuneForge trains a job on one device",
                "deepspeed", "fsdp", "fsdp_config", "ddp_find_unused_parameters");
        put(m, "FP8 training (TorchAO / Transformer Engine) needs FP8 matrix units (NVIDIA Hopper and later); "
                + "TuneForge trains in fp32 or bf16: remove it and keep bf16: true", "fp8", "fp8_backend",
                "fp8_enable_fsdp_float8_all_gather");
        put(m, "Ray spreads one training over several GPUs or machines; TuneForge runs a job on one device and its "
                + "queue spreads jobs over the workers: remove the ray_* keys", "ray_num_workers", "ray_init_kwargs",
                "ray_run_name", "ray_storage_path", "ray_storage_filesystem", "resources_per_worker",
                "placement_strategy", "fsdp_transformer_layer_cls_to_wrap");
        put(m, "Mixture-of-Depths needs the MoD package's converted model classes, which TuneForge does not build",
                "mixture_of_depths");
        put(m, "fp16 on the CPU runs ~1 GFLOP/s (CPUs have no fp16 matrix units): use bf16: true", "fp16");
        put(m, "tf32 is a CUDA (Ampere) setting; TuneForge trains on the CPU: remove it", "tf32");
        put(m, "this fine-tuning variant is not supported yet; TuneForge offers lora (with use_rslora, use_dora, "
                + "loraplus_lr_ratio, pissa_init), oft, prefix, adapter, freeze "
                + "(freeze_trainable_layers, freeze_trainable_modules) and full",
                "lora_bf16_mode", "freeze_vision_tower");
        put(m, "this data option is not supported", "neat_packing", "mask_history", "tool_format", "streaming",
                "buffer_size", "mix_strategy", "interleave_probs",
                "image_max_pixels", "video_max_pixels");
        put(m, "this model option is not supported yet", "shift_attn", "rope_scaling",
                "enable_liger_kernel", "use_unsloth", "upcast_layernorm", "upcast_lmhead_output");
        put(m, "PPO's reward comes from a finished reward-model run's folder (reward_model); other reward sources "
                + "are not supported", "reward_model_adapters", "reward_model_quantization_bit");
        put(m, "beam search is not implemented: answers are sampled (do_sample) or greedy; remove num_beams",
                "num_beams");
        put(m, "this preference option is not supported yet", "pref_bco_weight", "ld_alpha");
        put(m, "use eval_steps and val_size; separate evaluation runs are a different command", "do_eval",
                "eval_strategy", "evaluation_strategy");
        return Map.copyOf(m);
    }

    /** LLaMA-Factory's other on-the-fly and pre-quantized methods, refused with why (TuneForge implements bnb). */
    private static Map<String, String> quantizationMethods() {
        Map<String, String> m = new LinkedHashMap<>();
        String onTheFly = "TuneForge quantizes on the fly with bitsandbytes' formats only: use quantization_method bnb "
                + "with quantization_bit 4 or 8";
        put(m, onTheFly + " (hqq, eetq and quanto are other libraries' kernels)", "hqq", "eetq", "quanto");
        put(m, "gptq, awq and aqlm are checkpoints quantized ahead of time, which TuneForge does not load: start from "
                + "the unquantized model and set quantization_method bnb with quantization_bit 4", "gptq", "awq",
                "aqlm");
        put(m, onTheFly + " (mxfp4 and fp8 checkpoints are dequantized by transformers; start from a bf16 model)",
                "mxfp4", "fp8");
        return Map.copyOf(m);
    }

    /** The reason a read key's value is not supported yet, if it is one LLaMA-Factory has. */
    static Optional<String> unsupportedValue(String key, Object value) {
        return Optional.ofNullable(UNSUPPORTED_VALUES.getOrDefault(key,
                        RecipeMemoryOptimizers.UNSUPPORTED_VALUES.getOrDefault(key, Map.of()))
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
