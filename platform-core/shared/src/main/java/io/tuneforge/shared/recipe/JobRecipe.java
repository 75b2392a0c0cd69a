package io.tuneforge.shared.recipe;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Everything a fine-tuning job is told, typed and checked: one recipe read from a LLaMA-Factory YAML file (CLI), the
 * REST {@code hyperparameters} (with OpenAI's names mapped) or the New job form, and written back as YAML (the form's
 * export) or as the job's stored configuration. Every key, its default and its range live in {@link RecipeKeys}; a
 * value that cannot be used is refused with a {@link RecipeException} naming the key before anything is stored.
 *
 * @param model        which model to start from
 * @param method       stage and fine-tuning type with its settings
 * @param preference   preference training's loss and settings (stage dpo)
 * @param data         datasets, template, lengths and the validation split
 * @param optimization learning rate, schedule, batch and steps
 * @param evaluation   validation loss and early stopping
 * @param outputs      logging, checkpoints and what a finished job stores
 * @param generation   how stage ppo's rollouts and prediction runs sample their answers
 * @param given        the values as given, by key (typed, defaults not filled): what YAML export writes
 */
public record JobRecipe(RecipeModel model, RecipeMethod method, RecipePreference preference, RecipeData data,
        RecipeOptimization optimization,
        RecipeEvaluation evaluation, RecipeOutputs outputs, RecipeGeneration generation, Map<String, Object> given) {

    public JobRecipe {
        given = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(given));
    }

    /** The recipe with every default: what a job gets when nothing is given. */
    public static JobRecipe defaults() {
        return read(Map.of(), RecipeSource.FORM);
    }

    /**
     * Reads and checks values given by {@code source}.
     *
     * @throws RecipeException for an unknown or unsupported key, a path key outside YAML, a value of the wrong type
     *                         or out of range, or a broken cross-field rule; it names the key and what is allowed
     */
    public static JobRecipe read(Map<String, ?> values, RecipeSource source) {
        Map<String, ?> named = RecipeKeys.withCanonicalNames(
                source == RecipeSource.REST ? OpenAiNames.mapped(values) : values);
        Map<RecipeField, Object> parsed = new LinkedHashMap<>();
        for (Map.Entry<String, ?> entry : named.entrySet()) {
            parseKey(entry.getKey(), entry.getValue(), source).ifPresent(field ->
                    field.parse(entry.getValue(), source).ifPresent(value -> parsed.put(field, value)));
        }
        return build(new RecipeValues(parsed, source));
    }

    /**
     * Reads values for a job whose method is {@code type}: {@code finetuning_type} is that method, and when the values
     * name one too the two must agree.
     */
    public static JobRecipe readForMethod(Map<String, ?> values, RecipeSource source,
            RecipeMethod.FinetuningType type) {
        Map<String, Object> withType = new LinkedHashMap<>(values);
        Object given = withType.putIfAbsent(RecipeMethod.FINETUNING_TYPE.key(), type.key());
        if (given != null && !type.key().equalsIgnoreCase(String.valueOf(given).strip())) {
            throw new RecipeException(RecipeMethod.FINETUNING_TYPE.key(), given, type.key(), "finetuning_type "
                    + given + " in " + source.place() + " disagrees with the job's method " + type.key()
                    + ": give only one of the two");
        }
        return read(withType, source);
    }

    /** This recipe with some keys replaced (a sweep's grid point), checked again. */
    public JobRecipe with(Map<String, ?> overrides, RecipeSource source) {
        Map<String, Object> values = new LinkedHashMap<>(given);
        values.putAll(overrides);
        return read(values, source);
    }

    /** Which field a key is; empty for keys accepted and ignored; a refusal for every other key. */
    private static Optional<RecipeField> parseKey(String key, Object value, RecipeSource source) {
        Optional<RecipeField> field = RecipeKeys.field(key);
        if (field.isPresent()) {
            if (field.get().pathKey() && !source.allowsPaths()) {
                throw new RecipeException(key, value, "no value: the platform sets it", key + " cannot be set in "
                        + source.place() + ": the platform sets it from the chosen base model, datasets and job");
            }
            RecipeKeys.unsupportedValue(key, value).ifPresent(reason -> {
                throw new RecipeException(key, value, field.get().allowed(), key + " in " + source.place() + ": '"
                        + value + "': " + reason);
            });
            return field;
        }
        if (RecipeKeys.IGNORED.containsKey(key)
                || (source == RecipeSource.STORED && RecipeKeys.PLATFORM_KEYS.contains(key))) {
            return Optional.empty();
        }
        if (RecipeKeys.UNSUPPORTED.containsKey(key)) {
            if (harmless(value)) {
                return Optional.empty();
            }
            throw new RecipeException(key, value, "false, none or no value", key + " in " + source.place() + ": "
                    + RecipeKeys.UNSUPPORTED.get(key));
        }
        String hint = closestKnown(key).map(k -> "; did you mean " + k + "?").orElse("");
        throw new RecipeException(key, value, "a known key", "unknown key '" + key + "' in " + source.place() + hint);
    }

    private static boolean harmless(Object value) {
        String text = String.valueOf(value).strip().toLowerCase(java.util.Locale.ROOT);
        return value == null || text.equals("false") || text.equals("none") || text.isEmpty();
    }

    private static JobRecipe build(RecipeValues v) {
        JobRecipe recipe = new JobRecipe(RecipeModel.from(v), RecipeMethod.from(v), RecipePreference.from(v),
                RecipeData.from(v),
                RecipeOptimization.from(v), RecipeEvaluation.from(v), RecipeOutputs.from(v), RecipeGeneration.from(v),
                givenByKey(v));
        recipe.checkCrossFieldRules(v);
        return recipe;
    }

    private static Map<String, Object> givenByKey(RecipeValues v) {
        Map<String, Object> byKey = new LinkedHashMap<>();
        for (RecipeField field : RecipeKeys.FIELDS) {
            if (v.isGiven(field)) {
                byKey.put(field.key(), v.given().get(field));
            }
        }
        return byKey;
    }

    /** Rules between keys, each naming the key that has to change. */
    private void checkCrossFieldRules(RecipeValues v) {
        if (!data.hasValidation()) {
            for (RecipeField field : List.of(RecipeEvaluation.EVAL_STEPS, RecipeEvaluation.EARLY_STOPPING_STEPS,
                    RecipeEvaluation.LOAD_BEST_MODEL_AT_END)) {
                Object value = v.given().get(field);
                if (value != null && !Boolean.FALSE.equals(value) && !Long.valueOf(0).equals(value)) {
                    throw field.refused(value, v.source(),
                            "no value without a validation split: set val_size above 0 first");
                }
            }
        }
        if (model.adapterNameOrPath().isPresent() && method.finetuningType() != RecipeMethod.FinetuningType.LORA) {
            throw RecipeModel.ADAPTER_NAME_OR_PATH.refused(model.adapterNameOrPath().get(), v.source(),
                    "an adapter only with finetuning_type lora");
        }
        if (data.classificationHead()) {
            checkClassificationHead(v);
        }
        if (v.bool(RecipeMethod.CREATE_NEW_ADAPTER) && model.computesInBf16() && model.adapterNameOrPath().isPresent()) {
            throw RecipeMethod.CREATE_NEW_ADAPTER.refused(true, v.source(), "false when " + model.bf16Key()
                    + " is true (merging the given adapter needs the float32 base, which bf16 holds in bfloat16): "
                    + "train it in fp32");
        }
        if (!method.lora().additionalTargets().isEmpty() && method.finetuningType() == RecipeMethod.FinetuningType.LORA
                && usesReferenceModel(v)) {
            throw RecipeMethod.ADDITIONAL_TARGET.refused(String.join(",", method.lora().additionalTargets()),
                    v.source(), "blank for DPO with a reference model: the reference runs the base without the "
                    + "adapter, which would then include the modules trained whole");
        }
        if (v.bool(RecipeMethod.PISSA_INIT) && method.finetuningType() == RecipeMethod.FinetuningType.LORA) {
            checkPissa(v);
        }
        model.quantizationBit().ifPresent(bits -> {
            if (bits != 4 && bits != 8) {
                throw RecipeModel.QUANTIZATION_BIT.refused(bits, v.source(), "4 or 8 (bitsandbytes quantizes to 4 or 8 "
                        + "bits; 2 and 3 bits are hqq's, which TuneForge does not implement)");
            }
            if (method.finetuningType() != RecipeMethod.FinetuningType.LORA
                    && method.finetuningType() != RecipeMethod.FinetuningType.OFT) {
                throw RecipeModel.QUANTIZATION_BIT.refused(bits, v.source(), "no value with finetuning_type "
                        + method.finetuningType().name().toLowerCase(java.util.Locale.ROOT) + ": a quantized base is "
                        + "frozen and only LoRA (QLoRA) or OFT (QOFT) trains on top of it, as in LLaMA-Factory; remove "
                        + "quantization_bit or use finetuning_type lora or oft");
            }
        });
        if (model.computesInBf16() && method.finetuningType() == RecipeMethod.FinetuningType.LORA
                && method.lora().useDora()) {
            throw RecipeMethod.USE_DORA.refused(true, v.source(), "false when " + model.bf16Key() + " is true (DoRA's "
                    + "weight norm needs the float32 base, which bf16 holds in bfloat16): train DoRA in fp32, or plain "
                    + "LoRA in bf16");
        }
    }

    /**
     * A classification head trains with LoRA, freeze or full tuning in stage sft, on whole rows (no packing, no token
     * weighting).
     */
    private void checkClassificationHead(RecipeValues v) {
        String refusal = !method.stage().equals("sft") ? "causal_lm with stage " + method.stage()
                + " (a classification head trains in stage sft)"
                : !HEAD_TUNING.contains(method.finetuningType()) ? "causal_lm with finetuning_type "
                        + method.finetuningType().key() + " (a head trains with lora, saved as a PEFT SEQ_CLS "
                        + "adapter, or with freeze or full, saved as a *ForSequenceClassification model)"
                : data.packing() ? "causal_lm with packing (a classification row is one text; set packing false)"
                : optimization.useDftLoss() || optimization.useEaftLoss() ? "causal_lm with use_dft_loss or "
                        + "use_eaft_loss (they weight generated tokens; turn them off for a head)"
                : model.adapterNameOrPath().isPresent() ? "causal_lm when continuing an adapter (a head starts "
                        + "fresh; remove adapter_name_or_path)"
                : !method.lora().additionalTargets().isEmpty() ? "causal_lm with additional_target (the head is the "
                        + "adapter's one module saved whole; remove additional_target)"
                : null;
        if (refusal != null) {
            throw RecipeData.TASK_TYPE.refused(RecipeData.SEQ_CLS, v.source(), refusal);
        }
    }

    /** The fine-tuning types a classification head trains with. */
    private static final java.util.Set<RecipeMethod.FinetuningType> HEAD_TUNING = java.util.EnumSet.of(
            RecipeMethod.FinetuningType.LORA, RecipeMethod.FinetuningType.FREEZE, RecipeMethod.FinetuningType.FULL);

    /** Whether training keeps a reference model (DPO losses other than ORPO and SimPO), as LLaMA-Factory's use_ref_model. */
    private boolean usesReferenceModel(RecipeValues v) {
        return method.stage().equals("dpo") && !List.of("orpo", "simpo").contains(v.text(RecipePreference.PREF_LOSS));
    }

    /** PiSSA's rules for a LoRA job, as LLaMA-Factory's: not with a reference model, only for a new adapter. */
    private void checkPissa(RecipeValues v) {
        if (model.quantizationBit().isPresent()) {
            throw RecipeMethod.PISSA_INIT.refused(true, v.source(), "false with quantization_bit (PiSSA rewrites "
                    + "the base weights as residuals, which a quantized base cannot hold)");
        }
        if (usesReferenceModel(v)) {
            throw RecipeMethod.PISSA_INIT.refused(true, v.source(), "false for DPO with a reference model: the "
                    + "reference would be the residual base, not the original model (LLaMA-Factory refuses it too)");
        }
        if (model.adapterNameOrPath().isPresent() && !method.lora().createNewAdapter()) {
            throw RecipeMethod.PISSA_INIT.refused(true, v.source(), "false when continuing adapter_name_or_path "
                    + "(PiSSA initialises a new adapter; set create_new_adapter: true to start one on top)");
        }
    }

    /**
     * Every key the recipe reads with its effective value (given, else the default; null where unset means "not
     * used", e.g. max_steps: train by epochs), in the table's order. Path keys appear only when set.
     */
    public Map<String, Object> effectiveValues() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (RecipeField field : RecipeKeys.FIELDS) {
            Object value = given.containsKey(field.key()) ? given.get(field.key()) : field.defaultValue().orElse(null);
            if (field.key().equals("lora_alpha") && value == null) {
                value = method.lora().alpha();
            }
            if (!field.pathKey() || given.containsKey(field.key())) {
                values.put(field.key(), value);
            }
        }
        return values;
    }

    /** The given values as LLaMA-Factory YAML ({@code llamafactory-cli train} reads it; so does {@code train}). */
    public String toYaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(new LinkedHashMap<>(given));
    }

    /** Whether this recipe fine-tunes with LoRA. */
    public boolean isLora() {
        return method.finetuningType() == RecipeMethod.FinetuningType.LORA;
    }

    /** The nearest known key by edit distance, when it is close enough to be a typo. */
    private static Optional<String> closestKnown(String key) {
        return RecipeKeys.knownKeys().stream()
                .min(Comparator.comparingInt(k -> editDistance(k, key)))
                .filter(k -> editDistance(k, key) <= Math.max(2, key.length() / 4));
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
