package io.tuneforge.shared.recipe;

import java.util.List;
import java.util.Optional;

/**
 * Logging, checkpoints and what a finished job stores.
 *
 * @param outputDir            {@code output_dir}: where checkpoints and the adapter go (YAML only; jobs use their
 *                             work folder)
 * @param resumeFromCheckpoint {@code resume_from_checkpoint}: a checkpoint folder to continue from (YAML only; jobs
 *                             resume from their own checkpoints)
 * @param overwriteOutputDir   {@code overwrite_output_dir}: start afresh even when output_dir holds checkpoints
 *                             (YAML only; otherwise a run resumes from the latest)
 * @param loggingSteps         {@code logging_steps}: a loss point every this many steps
 * @param saveSteps            {@code save_steps}: a resumable checkpoint every this many steps; 0 none
 * @param saveTotalLimit       {@code save_total_limit}: keep at most this many checkpoints (empty: all)
 * @param mergeDtype           {@code merge_dtype}: float type of the merged LoRA model's weights ({@code auto}: the
 *                             base's)
 * @param predictSamples       {@code predict_samples}: held-out rows answered by the base and the tuned model; 0 none
 * @param predictMaxNewTokens  {@code predict_max_new_tokens}: longest generated answer in that comparison
 * @param exportGguf           {@code export_gguf}: GGUF weight type of an extra export; empty for none
 */
public record RecipeOutputs(Optional<String> outputDir, Optional<String> resumeFromCheckpoint,
        boolean overwriteOutputDir, int loggingSteps,
        int saveSteps, Optional<Long> saveTotalLimit, String mergeDtype, int predictSamples, int predictMaxNewTokens,
        Optional<String> exportGguf) {

    static final RecipeField OUTPUT_DIR = RecipeField.path("output_dir", Section.OUTPUTS, "Output folder",
            "Where checkpoints and the trained adapter or model are written.");
    static final RecipeField RESUME_FROM_CHECKPOINT = RecipeField.path("resume_from_checkpoint", Section.OUTPUTS,
            "Resume from", "A checkpoint folder (checkpoint-<step>) to continue from; false or blank: start fresh.");
    static final RecipeField OVERWRITE_OUTPUT_DIR = RecipeField.bool("overwrite_output_dir", Section.OUTPUTS, false,
            "Overwrite the output folder", "Start afresh even when the output folder holds checkpoints (else the run "
                    + "resumes from the latest).").yamlOnly();
    static final RecipeField LOGGING_STEPS = RecipeField.integer("logging_steps", Section.OUTPUTS, 5L,
            Range.between(1, 1_000_000_000), "Logging steps", "A chart point every this many steps.");
    static final RecipeField SAVE_STEPS = RecipeField.integer("save_steps", Section.OUTPUTS, 100L,
            Range.between(0, 1_000_000_000), "Save steps", "A resumable checkpoint every this many steps (0: none).");
    static final RecipeField SAVE_TOTAL_LIMIT = RecipeField.integer("save_total_limit", Section.OUTPUTS, null,
            Range.between(1, 1_000_000), "Checkpoints kept",
            "Keep at most this many checkpoints, the best always among them (blank: keep all).");
    static final RecipeField MERGE_DTYPE = RecipeField.choice("merge_dtype", Section.OUTPUTS, "auto",
            List.of("auto", "float32", "bfloat16", "float16"), "Merged model precision",
            "Float type of the merged LoRA model's weights; auto: the base model's own (its config's torch_dtype), "
                    + "so a bf16 checkpoint merges to bf16 (full and freeze results are stored in float32).");
    static final RecipeField PREDICT_SAMPLES = RecipeField.integer("predict_samples", Section.OUTPUTS, 16L,
            Range.between(0, 100_000), "Compared rows",
            "Held-out rows answered by the base and the tuned model after training (scored with BLEU-4 and ROUGE, "
                    + "downloadable as predictions); 0 skips the comparison.");
    static final RecipeField PREDICT_MAX_NEW_TOKENS = RecipeField.integer("predict_max_new_tokens", Section.OUTPUTS,
            128L, Range.between(1, 32_768), "Compared answer length",
            "Longest generated answer in tokens (greedy) for the comparison.");
    static final RecipeField EXPORT_GGUF = RecipeField.choice("export_gguf", Section.OUTPUTS, "none",
            List.of("none", "f16", "q8_0", "f32"), "GGUF export",
            "Also export the merged model as GGUF with an Ollama Modelfile (Llama, Mistral, Mixtral, Qwen2-MoE, "
                    + "Qwen3-MoE): f16 is "
                    + "lossless for most models, q8_0 halves that size, f32 keeps full precision.");

    static final List<RecipeField> FIELDS = List.of(OUTPUT_DIR, RESUME_FROM_CHECKPOINT, OVERWRITE_OUTPUT_DIR,
            LOGGING_STEPS, SAVE_STEPS,
            SAVE_TOTAL_LIMIT, MERGE_DTYPE, PREDICT_SAMPLES, PREDICT_MAX_NEW_TOKENS, EXPORT_GGUF);

    static RecipeOutputs from(RecipeValues v) {
        return new RecipeOutputs(v.optionalText(OUTPUT_DIR),
                v.optionalText(RESUME_FROM_CHECKPOINT).filter(s -> !s.equalsIgnoreCase("false")),
                v.bool(OVERWRITE_OUTPUT_DIR),
                (int) v.integer(LOGGING_STEPS), (int) v.integer(SAVE_STEPS), v.optionalInteger(SAVE_TOTAL_LIMIT),
                v.text(MERGE_DTYPE), (int) v.integer(PREDICT_SAMPLES), (int) v.integer(PREDICT_MAX_NEW_TOKENS),
                v.optionalText(EXPORT_GGUF).filter(s -> !s.equals("none")));
    }
}
