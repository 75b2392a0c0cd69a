package io.tuneforge.shared.recipe;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the job trains on and how rows become token sequences.
 *
 * @param datasets      {@code dataset}: dataset_info.json names or files (YAML; the platform fills it with the
 *                      chosen datasets' names)
 * @param evalDatasets  {@code eval_dataset}: dataset_info.json names or files a prediction run
 *                      ({@code do_predict}) answers (YAML only); empty for none
 * @param datasetDir    {@code dataset_dir}: the folder holding dataset_info.json (YAML only)
 * @param tokenizedPath {@code tokenized_path}: a folder keeping the tokenized training set: written by the first run,
 *                      read instead of the data by later runs (YAML only; stages sft and pt)
 * @param template      {@code template}: a built-in chat template name; empty ("auto") uses the model's own
 * @param cutoffLen     {@code cutoff_len}: longest sample in tokens, longer ones are truncated
 * @param maxSamples    {@code max_samples}: use at most this many rows of each dataset (empty: all)
 * @param valSize       {@code val_size}: the held-out validation share (below 1) or row count (1 and up); 0 none
 * @param trainOnPrompt {@code train_on_prompt}: also learn the prompt tokens
 * @param packing       {@code packing}: join short samples into cutoff-length sequences
 * @param taskType      {@code task_type} (PEFT's names): {@value #CAUSAL_LM} trains the model to write the answer
 *                      (a classification label as text); {@value #SEQ_CLS} trains a classification head on
 *                      text + label rows (transformers' *ForSequenceClassification)
 */
public record RecipeData(List<String> datasets, List<String> evalDatasets, Optional<String> datasetDir,
        Optional<String> tokenizedPath, Optional<String> template, int cutoffLen,
        Optional<Long> maxSamples, double valSize, boolean trainOnPrompt, boolean packing, String taskType) {

    /** {@code task_type} of generation (the default). */
    public static final String CAUSAL_LM = "causal_lm";
    /** {@code task_type} of a classification head. */
    public static final String SEQ_CLS = "seq_cls";

    /** The template choice meaning "the model's own chat template". */
    public static final String AUTO_TEMPLATE = "auto";

    /**
     * Template names the engine renders itself, after {@link #AUTO_TEMPLATE}: LLaMA-Factory's template names, as
     * {@code io.tuneforge.trainer.template.BuiltinChatTemplate.NAMES} lists them (this module cannot depend on it).
     */
    public static final List<String> TEMPLATES = List.of(AUTO_TEMPLATE, "default", "alpaca", "llama2", "llama3", "qwen",
            "mistral", "chatml", "empty", "vicuna", "baichuan2", "chatglm3", "cohere", "deepseek", "deepseek3", "gemma",
            "gemma3", "glm4", "intern2", "olmo", "phi", "phi4", "qwen3", "qwen3_nothink", "yi");

    public RecipeData {
        datasets = List.copyOf(datasets);
        evalDatasets = List.copyOf(evalDatasets);
    }

    static final RecipeField DATASET = RecipeField.path("dataset", Section.DATA, "Datasets",
            "Comma list of dataset_info.json names or data files.");
    static final RecipeField EVAL_DATASET = RecipeField.path("eval_dataset", Section.DATA, "Prediction datasets",
            "Comma list of dataset_info.json names or data files a prediction run (do_predict) answers.");
    static final RecipeField DATASET_DIR = RecipeField.path("dataset_dir", Section.DATA, "Dataset folder",
            "The folder with dataset_info.json (LLaMA-Factory's data folder).");
    static final RecipeField TOKENIZED_PATH = RecipeField.path("tokenized_path", Section.DATA, "Tokenized data folder",
            "Keeps the tokenized training set: the first run writes it, later runs read it instead of the datasets "
                    + "(refused when made with another tokenizer, template, cutoff_len or stage).");
    static final RecipeField TEMPLATE = RecipeField.choice("template", Section.DATA, AUTO_TEMPLATE, TEMPLATES,
            "Chat template", "auto: the model's own chat template (tokenizer_config.json). Or a built-in format.");
    static final RecipeField CUTOFF_LEN = RecipeField.integer("cutoff_len", Section.DATA, 2048L,
            Range.between(1, 1_048_576), "Cutoff length",
            "Longest sample in tokens; longer ones are truncated (see the dataset preview).");
    static final RecipeField MAX_SAMPLES = RecipeField.integer("max_samples", Section.DATA, null,
            Range.between(1, 1e12), "Max samples", "Use at most this many rows of each dataset (blank: all).");
    static final RecipeField VAL_SIZE = RecipeField.decimal("val_size", Section.DATA, 0.0, Range.between(0, 1e9),
            "Validation split", "Held-out share (below 1) or row count (1 and up) for the validation loss and the "
                    + "base-versus-tuned comparison; 0 disables it.").formPrefill("0.2");
    static final RecipeField TRAIN_ON_PROMPT = RecipeField.bool("train_on_prompt", Section.DATA, false,
            "Train on prompt", "Also learn the prompt tokens (off: only the answers are trained).");
    static final RecipeField PACKING = RecipeField.bool("packing", Section.DATA, false, "Packing",
            "Join short samples into sequences of cutoff length (faster on many short rows).");

    static final RecipeField TASK_TYPE = RecipeField.choice("task_type", Section.DATA, CAUSAL_LM,
            List.of(CAUSAL_LM, SEQ_CLS), "Task",
            "causal_lm: the model learns to write the answer (for a classification dataset, the label as text); "
                    + "seq_cls: a classification head on the last token learns the label (text + label rows; LoRA, "
                    + "freeze or full tuning; evaluated by accuracy, macro-F1 and AUC).");

    static final List<RecipeField> FIELDS = List.of(DATASET, EVAL_DATASET, DATASET_DIR, TOKENIZED_PATH, TEMPLATE, CUTOFF_LEN, MAX_SAMPLES, VAL_SIZE,
            TRAIN_ON_PROMPT, PACKING, TASK_TYPE);

    static RecipeData from(RecipeValues v) {
        double valSize = v.decimal(VAL_SIZE);
        if (valSize >= 1 && valSize != Math.rint(valSize)) {
            throw VAL_SIZE.refused(valSize, v.source(), "a fraction below 1 or a whole row count of 1 or more");
        }
        return new RecipeData(names(v, DATASET), names(v, EVAL_DATASET), v.optionalText(DATASET_DIR),
                v.optionalText(TOKENIZED_PATH),
                v.optionalText(TEMPLATE).filter(t -> !t.equals(AUTO_TEMPLATE)), (int) v.integer(CUTOFF_LEN),
                v.optionalInteger(MAX_SAMPLES), valSize, v.bool(TRAIN_ON_PROMPT), v.bool(PACKING), v.text(TASK_TYPE));
    }

    /** A comma list of dataset names or files. */
    private static List<String> names(RecipeValues v, RecipeField field) {
        return v.optionalText(field).map(s -> Arrays.stream(s.split(",")).map(String::strip)
                .filter(x -> !x.isEmpty()).toList()).orElse(List.of());
    }

    /** Whether the job trains a classification head ({@code task_type: seq_cls}). */
    public boolean classificationHead() {
        return taskType.equals(SEQ_CLS);
    }

    /** Whether a validation split is held out. */
    public boolean hasValidation() {
        return valSize > 0;
    }
}
