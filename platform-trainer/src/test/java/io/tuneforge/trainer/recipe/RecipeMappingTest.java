package io.tuneforge.trainer.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeData;
import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.shared.recipe.RecipeOptimization;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.template.BuiltinChatTemplate;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.optim.ApolloAdamW;
import io.tuneforge.trainer.training.optim.BlockAdamRatio;
import io.tuneforge.trainer.training.optim.OptimizerMethod;
import io.tuneforge.trainer.training.optim.OptimizerType;
import io.tuneforge.trainer.training.optim.SchedulerType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recipe's vocabulary is the engine's: every choice it offers, the engine can do. */
class RecipeMappingTest {

    @Test
    void theRecipeOffersAutoThenExactlyTheTemplatesTheEngineRenders() {
        assertThat(RecipeData.TEMPLATES.getFirst()).isEqualTo(RecipeData.AUTO_TEMPLATE);
        assertThat(RecipeData.TEMPLATES.subList(1, RecipeData.TEMPLATES.size()))
                .containsExactlyElementsOf(BuiltinChatTemplate.NAMES);
    }

    @Test
    void theRecipeOffersExactlyTheSchedulersTheTrainerImplements() {
        assertThat(RecipeOptimization.SCHEDULERS).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(SchedulerType.values()).map(SchedulerType::configName).toList());
    }

    @Test
    void theRecipeOffersExactlyTheOptimizersTheTrainerBuilds() {
        for (String name : RecipeOptimization.OPTIMIZERS) {
            assertThat(OptimizerType.fromConfigName(name)).as(name).isNotNull();
        }
        JobRecipe eightBit = JobRecipe.read(Map.of("optim", "adamw_bnb_8bit"), RecipeSource.FORM);
        assertThat(RecipeMapping.trainingConfig(eightBit, Path.of("out")).optim()).isEqualTo(OptimizerType.ADAMW_8BIT);
    }

    @Test
    void badamRatioAndApolloSvdReachTheEngine() {
        JobRecipe ratio = JobRecipe.read(Map.of("finetuning_type", "full", "use_badam", true, "badam_mode", "ratio",
                "badam_update_ratio", 0.1, "badam_mask_mode", "scatter", "seed", 7), RecipeSource.YAML);
        assertThat(RecipeMapping.optimizerMethod(ratio)).isInstanceOfSatisfying(OptimizerMethod.BAdamRatio.class,
                b -> assertThat(b.settings()).isEqualTo(new BlockAdamRatio.Settings(0.1,
                        BlockAdamRatio.MaskMode.SCATTER, 100, 7)));
        JobRecipe svd = JobRecipe.read(Map.of("finetuning_type", "full", "use_apollo", true, "apollo_proj", "svd"),
                RecipeSource.YAML);
        assertThat(RecipeMapping.optimizerMethod(svd)).isInstanceOfSatisfying(OptimizerMethod.Apollo.class,
                a -> assertThat(a.settings().projection()).isEqualTo(ApolloAdamW.Projection.SVD));
    }

    @Test
    void loraTargetsAreTheLinearModulesTheModelHas() {
        assertThat(RecipeMethod.LINEAR_MODULES).containsExactlyElementsOf(HfWeightNames.LINEAR_MODULES);
    }

    @Test
    void pureBf16ComputesInBf16AndKeepsWeightsTrainedWholeInBf16ButAdaptersInFloat32() {
        for (String method : new String[] {"full", "freeze"}) {
            JobRecipe recipe = JobRecipe.read(Map.of("finetuning_type", method, "pure_bf16", true), RecipeSource.YAML);
            assertThat(RecipeMapping.precision(recipe)).as(method).isEqualTo(Precision.BF16);
            assertThat(RecipeMapping.trainingConfig(recipe, Path.of("out")).trainableInBf16()).as(method).isTrue();
        }
        for (String method : new String[] {"lora", "oft", "prefix", "adapter"}) {
            // PEFT's get_peft_model upcasts adapter weights to float32 in LLaMA-Factory's pure_bf16 too
            JobRecipe recipe = JobRecipe.read(Map.of("finetuning_type", method, "pure_bf16", true), RecipeSource.YAML);
            assertThat(RecipeMapping.precision(recipe)).as(method).isEqualTo(Precision.BF16);
            assertThat(RecipeMapping.trainingConfig(recipe, Path.of("out")).trainableInBf16()).as(method).isFalse();
        }
        JobRecipe mixed = JobRecipe.read(Map.of("finetuning_type", "full", "bf16", true), RecipeSource.YAML);
        assertThat(RecipeMapping.trainingConfig(mixed, Path.of("out")).trainableInBf16()).isFalse();
    }

    @Test
    void unsetEvalStepsEvaluatesOncePerEpochAndUnsetMaxStepsTrainsByEpochs() {
        JobRecipe recipe = JobRecipe.read(Map.of("save_steps", 40, "val_size", 0.1), RecipeSource.FORM);

        TrainingConfig config = RecipeMapping.trainingConfig(recipe, Path.of("out"));

        assertThat(config.evalSteps()).isEqualTo(TrainingConfig.EVAL_EACH_EPOCH);
        assertThat(config.maxSteps()).isEqualTo(-1);
        assertThat(config.outputDir()).isEqualTo(Path.of("out"));
    }

    @Test
    void freezeTuningTrainsTheChosenModulesOfTheLastLayers() {
        JobRecipe recipe = JobRecipe.read(Map.of("finetuning_type", "freeze", "freeze_trainable_layers", 3,
                "freeze_trainable_modules", "mlp, self_attn"), RecipeSource.FORM);

        assertThat(RecipeMapping.fineTuning(recipe)).isInstanceOfSatisfying(FineTuning.Freeze.class, freeze -> {
            assertThat(freeze.trainableLayers()).isEqualTo(3);
            assertThat(freeze.trains("model.layers.5.mlp.up_proj.weight")).isTrue();
            assertThat(freeze.trains("model.layers.5.self_attn.q_proj.weight")).isTrue();
            assertThat(freeze.trains("model.layers.5.input_layernorm.weight")).isFalse();
        });
    }
}
