package io.tuneforge.trainer.worker;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.recipe.RecipeMapping;
import java.util.Optional;

/**
 * What a finished job produces besides its adapter, taken from the job's recipe before training starts.
 *
 * @param mergeDtype          {@code merge_dtype}: float type of the merged LoRA model's weights (full and freeze
 *                            fine-tunes are always stored in float32)
 * @param predictSamples      {@code predict_samples}: held-out rows answered by the base and the tuned model; 0 none
 * @param predictMaxNewTokens {@code predict_max_new_tokens}: longest generated answer, greedy
 * @param exportGguf          {@code export_gguf}: GGUF weight type to export; empty for none
 */
record OutputSettings(SafetensorsDType mergeDtype, int predictSamples, int predictMaxNewTokens,
                      Optional<GgmlType> exportGguf) {

    static OutputSettings of(JobRecipe recipe) {
        return new OutputSettings(RecipeMapping.mergeDtype(recipe), recipe.outputs().predictSamples(),
                recipe.outputs().predictMaxNewTokens(), RecipeMapping.exportGguf(recipe));
    }
}
