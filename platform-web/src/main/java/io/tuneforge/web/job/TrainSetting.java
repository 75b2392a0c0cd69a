package io.tuneforge.web.job;

import java.util.List;

/**
 * One field of the new-job form: a {@code train} config key (LLaMA-Factory's name), its default (LLaMA-Factory's
 * web UI defaults) and the help shown under it.
 *
 * @param key          the config key, e.g. {@code learning_rate}
 * @param label        the field label
 * @param kind         how the value is typed and checked
 * @param defaultValue the initial value as text ("" for unset)
 * @param help         one line of help
 * @param choices      allowed values for {@link Kind#CHOICE}
 * @param group        which section of the form it belongs to
 */
record TrainSetting(String key, String label, Kind kind, String defaultValue, String help, List<String> choices,
        Group group) {

    /** Value types. */
    enum Kind { DECIMAL, POSITIVE_INTEGER, NON_NEGATIVE_INTEGER, TEXT, BOOLEAN, CHOICE }

    /** Form sections; LORA and FREEZE show only for their method; OUTPUTS: what a finished job stores. */
    enum Group { TRAINING, LORA, FREEZE, DATA, OUTPUTS }

    static TrainSetting of(String key, String label, Kind kind, String defaultValue, String help, Group group) {
        return new TrainSetting(key, label, kind, defaultValue, help, List.of(), group);
    }

    /** Every setting of the form, in display order. */
    static final List<TrainSetting> ALL = List.of(
            of("learning_rate", "Learning rate", Kind.DECIMAL, "5e-5",
                    "Peak AdamW learning rate. LoRA often uses 1e-4 to 2e-4; full fine-tuning 1e-5 to 5e-5.", Group.TRAINING),
            of("num_train_epochs", "Epochs", Kind.DECIMAL, "3.0",
                    "Passes over the training data (fractions allowed). Ignored when max steps is set.", Group.TRAINING),
            of("max_steps", "Max steps", Kind.NON_NEGATIVE_INTEGER, "",
                    "Stop after this many optimizer steps (blank: use epochs).", Group.TRAINING),
            of("per_device_train_batch_size", "Batch size", Kind.POSITIVE_INTEGER, "2",
                    "Samples per device per forward pass. Lower it first when memory runs out.", Group.TRAINING),
            of("gradient_accumulation_steps", "Gradient accumulation", Kind.POSITIVE_INTEGER, "8",
                    "Forward passes per optimizer step; effective batch = batch size × this × devices.", Group.TRAINING),
            new TrainSetting("lr_scheduler_type", "LR scheduler", Kind.CHOICE, "cosine",
                    "How the learning rate decays after warmup.",
                    List.of("cosine", "linear", "constant", "constant_with_warmup"), Group.TRAINING),
            of("warmup_steps", "Warmup steps", Kind.NON_NEGATIVE_INTEGER, "0",
                    "Steps over which the learning rate rises from 0 to its peak.", Group.TRAINING),
            of("max_grad_norm", "Max gradient norm", Kind.DECIMAL, "1.0",
                    "Gradients are clipped to this global norm (guards against spikes).", Group.TRAINING),
            of("weight_decay", "Weight decay", Kind.DECIMAL, "0.0", "AdamW decoupled weight decay.", Group.TRAINING),
            of("logging_steps", "Logging steps", Kind.POSITIVE_INTEGER, "5",
                    "A chart point every this many steps.", Group.TRAINING),
            of("save_steps", "Save steps", Kind.POSITIVE_INTEGER, "100",
                    "A resumable checkpoint every this many steps.", Group.TRAINING),
            of("eval_steps", "Eval steps", Kind.NON_NEGATIVE_INTEGER, "",
                    "Validation loss every this many steps (blank: once per epoch when a validation split exists).",
                    Group.TRAINING),
            of("seed", "Seed", Kind.NON_NEGATIVE_INTEGER, "42", "Makes shuffling and initialisation repeatable.",
                    Group.TRAINING),
            of("cutoff_len", "Cutoff length", Kind.POSITIVE_INTEGER, "2048",
                    "Longest sample in tokens; longer ones are truncated (see the dataset preview).", Group.DATA),
            of("max_samples", "Max samples", Kind.POSITIVE_INTEGER, "100000",
                    "Use at most this many rows of each dataset.", Group.DATA),
            of("val_size", "Validation split", Kind.DECIMAL, "0.2",
                    "Held-out share (0–1) or row count (>1) for the validation loss; 0 disables it.", Group.DATA),
            of("template", "Chat template", Kind.TEXT, "",
                    "Blank: the model's own template. Or a built-in name: default, alpaca, llama2, llama3, qwen, mistral, chatml.",
                    Group.DATA),
            of("train_on_prompt", "Train on prompt", Kind.BOOLEAN, "false",
                    "Also learn the prompt tokens (off: only the answers are trained).", Group.DATA),
            of("lora_rank", "LoRA rank", Kind.POSITIVE_INTEGER, "8",
                    "Rank r of the adapter matrices; higher learns more and uses more memory.", Group.LORA),
            of("lora_alpha", "LoRA alpha", Kind.DECIMAL, "16",
                    "Scaling α: the update is (α/r)·B·A. Usually 2 × rank.", Group.LORA),
            of("lora_dropout", "LoRA dropout", Kind.DECIMAL, "0.0", "Dropout on the adapter input.", Group.LORA),
            of("lora_target", "LoRA target modules", Kind.TEXT, "all",
                    "Comma-separated module names (q_proj,v_proj) or all (every linear layer).", Group.LORA),
            of("freeze_trainable_layers", "Trainable layers", Kind.TEXT, "2",
                    "Positive N: the last N layers train; negative N: the first N.", Group.FREEZE),
            of("freeze_trainable_modules", "Trainable modules", Kind.TEXT, "all",
                    "Module names inside those layers, or all.", Group.FREEZE),
            of("predict_samples", "Compared rows", Kind.NON_NEGATIVE_INTEGER, "16",
                    "Held-out rows answered by the base and the tuned model after training (scored with BLEU-4 "
                            + "and ROUGE, downloadable as predictions); 0 skips the comparison.", Group.OUTPUTS),
            of("predict_max_new_tokens", "Compared answer length", Kind.POSITIVE_INTEGER, "128",
                    "Longest generated answer in tokens (greedy) for the comparison.", Group.OUTPUTS),
            new TrainSetting("export_gguf", "GGUF export", Kind.CHOICE, "none",
                    "Also export the merged model as GGUF with an Ollama Modelfile (Llama-architecture models): "
                            + "f16 is lossless for most models, q8_0 halves that size, f32 keeps full precision.",
                    List.of("none", "f16", "q8_0", "f32"), Group.OUTPUTS));

    /** The setting for a key, if the form has it. */
    static java.util.Optional<TrainSetting> byKey(String key) {
        return ALL.stream().filter(s -> s.key().equals(key)).findFirst();
    }

    /**
     * Parses text entered for this setting.
     *
     * @throws IllegalArgumentException with a message for the field
     */
    Object parse(String text) {
        String value = text.strip();
        return switch (kind) {
            case DECIMAL -> {
                try {
                    double d = Double.parseDouble(value);
                    if (!Double.isFinite(d) || d < 0) {
                        throw new IllegalArgumentException("Enter a number of 0 or more");
                    }
                    yield d;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Enter a number such as 5e-5 or 0.0001");
                }
            }
            case POSITIVE_INTEGER, NON_NEGATIVE_INTEGER -> {
                try {
                    int i = Integer.parseInt(value);
                    if (i < (kind == Kind.POSITIVE_INTEGER ? 1 : 0)) {
                        throw new IllegalArgumentException(kind == Kind.POSITIVE_INTEGER ? "Enter 1 or more" : "Enter 0 or more");
                    }
                    yield i;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Enter a whole number");
                }
            }
            case BOOLEAN -> Boolean.parseBoolean(value);
            case CHOICE -> {
                if (!choices.contains(value)) {
                    throw new IllegalArgumentException("Choose one of " + choices);
                }
                yield value;
            }
            case TEXT -> value;
        };
    }
}
