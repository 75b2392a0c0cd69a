package io.tuneforge.trainer.cli;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.training.TrainingArguments;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingConfigException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A supervised fine-tuning run described with LLaMA-Factory's YAML keys ({@code llamafactory-cli train x.yaml}).
 * Keys LLaMA-Factory has but TuneForge does not support are refused with the reason; unknown keys are refused by
 * name, so a typo never silently falls back to a default.
 *
 * @param modelNameOrPath      {@code model_name_or_path}: a local model folder (Hugging Face layout)
 * @param adapterNameOrPath    {@code adapter_name_or_path}: a PEFT adapter to continue training
 * @param datasets             {@code dataset}: comma list of dataset_info.json names or files
 * @param datasetDir           {@code dataset_dir}: the data folder (LLaMA-Factory's default {@code data})
 * @param template             {@code template}: a built-in template name; empty: the model's own chat template
 * @param fineTuning           {@code finetuning_type} lora (default) / freeze / full, with {@code lora_rank} (8),
 *                             {@code lora_alpha} (2 × rank), {@code lora_dropout} (0), {@code lora_target} (all),
 *                             {@code use_rslora}, {@code freeze_trainable_layers} (2)
 * @param cutoffLen            {@code cutoff_len} (2048)
 * @param maxSamples           {@code max_samples}: keep the first N rows
 * @param valSize              {@code val_size}: fraction or count (0.2)
 * @param trainOnPrompt        {@code train_on_prompt} (false)
 * @param packing              {@code packing} (false)
 * @param resumeFromCheckpoint {@code resume_from_checkpoint}: a checkpoint folder
 * @param training             optimisation settings ({@code learning_rate}, {@code num_train_epochs}, ...)
 */
public record TrainRecipe(Path modelNameOrPath, Optional<Path> adapterNameOrPath, List<String> datasets,
        Optional<Path> datasetDir, Optional<String> template, FineTuning fineTuning, int cutoffLen,
        Optional<Integer> maxSamples, ValSize valSize, boolean trainOnPrompt, boolean packing,
        Optional<Path> resumeFromCheckpoint, TrainingConfig training) {

    /** Keys read by the recipe itself (the rest of the supported keys go to {@link TrainingArguments}). */
    static final Set<String> OWN_KEYS = Set.of("model_name_or_path", "adapter_name_or_path", "dataset", "dataset_dir",
            "template", "finetuning_type", "lora_rank", "lora_alpha", "lora_dropout", "lora_target", "use_rslora",
            "freeze_trainable_layers", "cutoff_len", "max_samples", "val_size", "train_on_prompt", "packing",
            "resume_from_checkpoint", "stage", "do_train");

    /** LLaMA-Factory keys that only tune its own machinery: accepted and ignored. */
    static final Set<String> IGNORED_KEYS = Set.of("plot_loss", "overwrite_cache", "overwrite_output_dir",
            "preprocessing_num_workers", "dataloader_num_workers", "ddp_timeout", "trust_remote_code", "report_to",
            "logging_dir", "run_name", "save_only_model");

    /** LLaMA-Factory keys TuneForge does not support, with the reason given to the user. */
    static final Map<String, String> UNSUPPORTED = unsupported();

    private static Map<String, String> unsupported() {
        Map<String, String> m = new HashMap<>();
        for (String k : List.of("quantization_bit", "quantization_method", "quantization_type", "double_quantization")) {
            m.put(k, "quantized training (QLoRA) is not supported; remove it to train LoRA on the full-precision model");
        }
        for (String k : List.of("deepspeed", "fsdp", "fsdp_config", "ddp_find_unused_parameters")) {
            m.put(k, "distributed training is not supported: TuneForge trains on one device");
        }
        for (String k : List.of("bf16", "fp16", "pure_bf16", "tf32")) {
            m.put(k, "mixed precision is not supported: training computes in float32; remove it");
        }
        for (String k : List.of("use_dora", "pissa_init", "pissa_convert", "loraplus_lr_ratio", "loraplus_lr_embedding",
                "additional_target", "lora_bf16_mode", "create_new_adapter", "use_galore", "use_badam", "use_apollo",
                "freeze_trainable_modules", "freeze_extra_modules", "freeze_vision_tower")) {
            m.put(k, "this fine-tuning variant is not supported; TuneForge offers lora (with use_rslora), freeze "
                    + "(freeze_trainable_layers) and full");
        }
        for (String k : List.of("neat_packing", "mask_history", "tool_format", "streaming", "buffer_size", "mix_strategy",
                "interleave_probs", "tokenized_path", "eval_dataset", "image_max_pixels", "video_max_pixels")) {
            m.put(k, "this data option is not supported");
        }
        for (String k : List.of("flash_attn", "shift_attn", "rope_scaling", "enable_liger_kernel", "use_unsloth",
                "upcast_layernorm", "upcast_lmhead_output", "moe_aux_loss_coef", "disable_gradient_checkpointing")) {
            m.put(k, "this model option is not supported");
        }
        for (String k : List.of("pref_beta", "pref_ftx", "pref_loss", "reward_model", "ppo_epochs", "kto_chosen_weight")) {
            m.put(k, "preference and RL training are not supported yet: only stage sft");
        }
        for (String k : List.of("do_eval", "do_predict", "predict_with_generate", "eval_strategy", "evaluation_strategy",
                "per_device_eval_batch_size_auto")) {
            m.put(k, "use eval_steps and val_size; separate evaluation runs are a different command");
        }
        return Map.copyOf(m);
    }

    /**
     * Reads a recipe from YAML values.
     *
     * @param values    the YAML mapping
     * @param baseDir   relative paths resolve against it (the YAML file's folder is not used: LLaMA-Factory
     *                  resolves against the working directory, and so do we)
     */
    public static TrainRecipe parse(Map<String, ?> values, Path baseDir) {
        checkKeys(values);
        Values v = new Values(values);
        String stage = v.text("stage").orElse("sft");
        if (!stage.equals("sft")) {
            throw new TrainingConfigException("stage: '" + stage + "' is not supported; TuneForge runs stage sft");
        }
        if (!v.bool("do_train", true)) {
            throw new TrainingConfigException("do_train: false leaves nothing to do; remove it");
        }
        Path model = baseDir.resolve(v.text("model_name_or_path").orElseThrow(() -> new TrainingConfigException(
                "model_name_or_path is required: a local model folder with config.json and model.safetensors")));
        List<String> datasets = v.text("dataset").map(s -> Arrays.stream(s.split(",")).map(String::trim)
                .filter(x -> !x.isEmpty()).toList()).orElse(List.of());
        if (datasets.isEmpty()) {
            throw new TrainingConfigException("dataset is required: a comma list of dataset_info.json names or files");
        }
        Map<String, Object> trainingValues = new LinkedHashMap<>();
        for (String key : TrainingArguments.KEYS) {
            if (values.get(key) != null) {
                trainingValues.put(key, values.get(key));
            }
        }
        TrainingConfig training = TrainingArguments.parse(trainingValues, baseDir.resolve("saves/train"));
        if (values.get("output_dir") != null) {
            training = training.toBuilder().outputDir(baseDir.resolve(values.get("output_dir").toString())).build();
        }
        Optional<Path> adapter = v.text("adapter_name_or_path").map(baseDir::resolve);
        FineTuning fineTuning = fineTuning(v, training.seed());
        if (adapter.isPresent() && !(fineTuning instanceof FineTuning.Lora)) {
            throw new TrainingConfigException("adapter_name_or_path needs finetuning_type: lora");
        }
        return new TrainRecipe(model, adapter, datasets,
                v.text("dataset_dir").map(baseDir::resolve),
                v.text("template").filter(t -> !t.isBlank()),
                fineTuning,
                (int) v.integer("cutoff_len", 2048),
                v.text("max_samples").map(s -> (int) v.integer("max_samples", 0)),
                valSize(values.get("val_size")),
                v.bool("train_on_prompt", false),
                v.bool("packing", false),
                resume(values.get("resume_from_checkpoint"), baseDir),
                training);
    }

    private static void checkKeys(Map<String, ?> values) {
        for (String key : values.keySet()) {
            if (UNSUPPORTED.containsKey(key)) {
                Object value = values.get(key);
                boolean harmless = value == null || Boolean.FALSE.equals(value) || "false".equals(String.valueOf(value))
                        || "none".equalsIgnoreCase(String.valueOf(value));
                if (!harmless) {
                    throw new TrainingConfigException(key + ": " + UNSUPPORTED.get(key));
                }
                continue;
            }
            if (!OWN_KEYS.contains(key) && !TrainingArguments.KEYS.contains(key) && !IGNORED_KEYS.contains(key)) {
                Set<String> known = new TreeSet<>(OWN_KEYS);
                known.addAll(TrainingArguments.KEYS);
                throw new TrainingConfigException("unknown key '" + key + "' in the training config; known keys: "
                        + String.join(", ", known));
            }
        }
    }

    private static FineTuning fineTuning(Values v, long seed) {
        String type = v.text("finetuning_type").orElse("lora").toLowerCase(Locale.ROOT);
        return switch (type) {
            case "lora" -> {
                int rank = (int) v.integer("lora_rank", 8);
                double alpha = v.decimal("lora_alpha", rank * 2.0);
                try {
                    yield new FineTuning.Lora(new LoraConfig(rank, alpha, v.decimal("lora_dropout", 0.0),
                            LoraConfig.parseTargets(v.text("lora_target").orElse("all")), v.bool("use_rslora", false)));
                } catch (IllegalArgumentException e) {
                    throw new TrainingConfigException(e.getMessage());
                }
            }
            case "freeze" -> new FineTuning.Freeze((int) v.integer("freeze_trainable_layers", 2));
            case "full" -> new FineTuning.Full();
            default -> throw new TrainingConfigException("finetuning_type: '" + type
                    + "' is not supported; use lora, freeze or full");
        };
    }

    private static ValSize valSize(Object value) {
        if (value == null) {
            return ValSize.DEFAULT;
        }
        try {
            return ValSize.of(Double.parseDouble(value.toString().trim()));
        } catch (NumberFormatException e) {
            throw new TrainingConfigException("val_size: '" + value + "' is not a number");
        } catch (DatasetException e) {
            throw new TrainingConfigException(e.getMessage());
        }
    }

    private static Optional<Path> resume(Object value, Path baseDir) {
        if (value == null || Boolean.FALSE.equals(value) || value.toString().isBlank()
                || value.toString().equalsIgnoreCase("false")) {
            return Optional.empty();
        }
        return Optional.of(baseDir.resolve(value.toString()));
    }

    /** Typed access to YAML values with the key named in errors. */
    private record Values(Map<String, ?> values) {

        Optional<String> text(String key) {
            Object v = values.get(key);
            return v == null ? Optional.empty() : Optional.of(v.toString().trim());
        }

        double decimal(String key, double fallback) {
            Object v = values.get(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            try {
                return Double.parseDouble(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new TrainingConfigException(key + ": '" + v + "' is not a number");
            }
        }

        long integer(String key, long fallback) {
            double d = decimal(key, fallback);
            if (d != Math.rint(d)) {
                throw new TrainingConfigException(key + ": '" + values.get(key) + "' must be a whole number");
            }
            return (long) d;
        }

        boolean bool(String key, boolean fallback) {
            Object v = values.get(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            return switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> throw new TrainingConfigException(key + ": '" + v + "' is not true or false");
            };
        }
    }
}
