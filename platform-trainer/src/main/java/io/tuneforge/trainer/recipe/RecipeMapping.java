package io.tuneforge.trainer.recipe;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeData;
import io.tuneforge.shared.recipe.RecipeEvaluation;
import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.shared.recipe.RecipeOptimization;
import io.tuneforge.shared.recipe.RecipeOutputs;
import io.tuneforge.shared.recipe.RecipePreference;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.optim.SchedulerType;
import io.tuneforge.trainer.training.preference.PreferenceConfig;
import io.tuneforge.trainer.training.preference.PreferenceLoss;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The one place a checked {@link JobRecipe} becomes the engine's configurations: the CLI's {@code train} and the
 * worker both call it, so a key means the same everywhere. No defaults live here: every value comes from the recipe,
 * whose table holds them.
 */
public final class RecipeMapping {

    private RecipeMapping() {
    }

    /** Whether the recipe trains on preference pairs with a preference loss ({@code stage: dpo}). */
    public static boolean isPreferenceStage(JobRecipe recipe) {
        return recipe.method().stage().equals("dpo");
    }

    /** Whether the recipe trains a reward model on preference pairs ({@code stage: rm}). */
    public static boolean isRewardStage(JobRecipe recipe) {
        return recipe.method().stage().equals("rm");
    }

    /** Whether the recipe continues pre-training on raw text ({@code stage: pt}). */
    public static boolean isPretrainStage(JobRecipe recipe) {
        return recipe.method().stage().equals("pt");
    }

    /**
     * Whether stage pt packs its text into cutoff_len blocks: {@code packing} when given, else true (LLaMA-Factory
     * enables packing for pre-training by default).
     */
    public static boolean pretrainPacking(JobRecipe recipe) {
        return recipe.given().containsKey("packing") ? recipe.data().packing() : true;
    }

    /** The preference loss and its settings ({@code pref_loss}, {@code pref_beta}, ...). */
    public static PreferenceConfig preference(JobRecipe recipe) {
        RecipePreference p = recipe.preference();
        return new PreferenceConfig(PreferenceLoss.fromConfigName(p.loss()), p.beta(), p.ftx(), p.simpoGamma(),
                p.labelSmoothing());
    }

    /** The trainer's hyper-parameters, writing checkpoints and the result to {@code outputDir}. */
    public static TrainingConfig trainingConfig(JobRecipe recipe, Path outputDir) {
        RecipeOptimization o = recipe.optimization();
        RecipeEvaluation e = recipe.evaluation();
        RecipeOutputs out = recipe.outputs();
        return TrainingConfig.builder(outputDir)
                .learningRate(o.learningRate())
                .numTrainEpochs(o.numTrainEpochs())
                .maxSteps(o.maxSteps().orElse(-1L))
                .perDeviceTrainBatchSize(o.perDeviceTrainBatchSize())
                .perDeviceEvalBatchSize(e.perDeviceEvalBatchSize())
                .gradientAccumulationSteps(o.gradientAccumulationSteps())
                .lrSchedulerType(SchedulerType.fromConfigName(o.lrSchedulerType()))
                .warmupSteps(o.warmupSteps())
                .warmupRatio(o.warmupRatio())
                .maxGradNorm(o.maxGradNorm())
                .weightDecay(o.weightDecay())
                .adamBeta1(o.adamBeta1())
                .adamBeta2(o.adamBeta2())
                .adamEpsilon(o.adamEpsilon())
                .loggingSteps(out.loggingSteps())
                .saveSteps(out.saveSteps())
                .saveTotalLimit(out.saveTotalLimit().map(Long::intValue).orElse(0))
                // unset: every save_steps, as LLaMA-Factory's web UI sets it (the trainer skips it without data)
                .evalSteps(e.evalSteps().map(Long::intValue).orElse(out.saveSteps()))
                .seed(o.seed())
                .earlyStoppingPatience(e.earlyStoppingPatience().map(Long::intValue).orElse(0))
                .earlyStoppingMinDelta(e.earlyStoppingThreshold())
                .loadBestModelAtEnd(e.loadBestModelAtEnd())
                .build();
    }

    /** LoRA, freeze or full fine-tuning as the model applies it. */
    public static FineTuning fineTuning(JobRecipe recipe) {
        RecipeMethod method = recipe.method();
        return switch (method.finetuningType()) {
            case LORA -> new FineTuning.Lora(loraConfig(method.lora()));
            case FREEZE -> new FineTuning.Freeze(method.freeze().trainableLayers(), method.freeze().trainableModules());
            case FULL -> new FineTuning.Full();
        };
    }

    /** PEFT's LoraConfig from the recipe's LoRA settings. */
    public static LoraConfig loraConfig(RecipeMethod.Lora lora) {
        return new LoraConfig(lora.rank(), lora.alpha(), lora.dropout(), lora.targetModules(), lora.useRslora());
    }

    /** How rows are cleaned, capped and split (the split seeded with {@code seed}, as the Datasets page shows it). */
    public static PreparationOptions preparation(JobRecipe recipe) {
        RecipeData data = recipe.data();
        return new PreparationOptions(true, true, data.maxSamples().map(n -> (int) Math.min(n, Integer.MAX_VALUE)),
                ValSize.of(data.valSize()), recipe.optimization().seed(), Optional.empty());
    }

    /** How prepared rows become token sequences. */
    public static EncodingOptions encoding(JobRecipe recipe) {
        RecipeData data = recipe.data();
        return new EncodingOptions(data.cutoffLen(), data.trainOnPrompt(), data.packing(), Map.of());
    }

    /** The float type of the merged LoRA model. */
    public static SafetensorsDType mergeDtype(JobRecipe recipe) {
        return MergeOptions.parseDtype(recipe.outputs().mergeDtype());
    }

    /** The GGUF weight type to export, if any. */
    public static Optional<GgmlType> exportGguf(JobRecipe recipe) {
        return recipe.outputs().exportGguf().map(GgmlType::parse);
    }

    /** A path key of a YAML recipe, resolved against {@code baseDir} as LLaMA-Factory does (the working folder). */
    public static Optional<Path> path(Optional<String> value, Path baseDir) {
        return value.map(baseDir::resolve);
    }
}
