package io.tuneforge.trainer.worker;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.recipe.RecipeMapping;
import java.util.Optional;

/**
 * What a finished job produces besides its adapter, taken from the job's recipe before training starts.
 *
 * @param mergeDtype          {@code merge_dtype}: float type of the merged LoRA model's weights; empty: the base's
 *                            (full and freeze fine-tunes are always stored in float32)
 * @param predictSamples      {@code predict_samples}: held-out rows answered by the base and the tuned model; 0 none
 * @param predictMaxNewTokens {@code predict_max_new_tokens}: longest generated answer, greedy
 * @param exportGguf          {@code export_gguf}: GGUF weight type to export; empty for none
 * @param predictPrecision    what the predictions compute in: the job's own precision ({@code bf16}) where this host
 *                            computes it natively, else fp32
 * @param classificationHead  {@code task_type: seq_cls}: the held-out rows are classified by the trained head
 *                            (accuracy, macro-F1, AUC) instead of answered by generation
 * @param cutoffLen           {@code cutoff_len}: the head reads texts cut as training did
 */
record OutputSettings(Optional<SafetensorsDType> mergeDtype, int predictSamples, int predictMaxNewTokens,
                      Optional<GgmlType> exportGguf, Precision predictPrecision, boolean classificationHead,
                      int cutoffLen) {

    static OutputSettings of(JobRecipe recipe) {
        return new OutputSettings(RecipeMapping.mergeDtype(recipe), recipe.outputs().predictSamples(),
                recipe.outputs().predictMaxNewTokens(), RecipeMapping.exportGguf(recipe),
                RecipeMapping.precision(recipe).forInferenceOnThisHost(), recipe.data().classificationHead(),
                recipe.data().cutoffLen());
    }
}
