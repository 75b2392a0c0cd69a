package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The recipe keys of issue 14's training tricks: optim, lr_scheduler_kwargs, neftune_noise_alpha, LoRA+. */
class RecipeTrainingTricksTest {

    @Test
    void schedulerArgumentsReadTheSameFromAYamlMappingAndFromJsonText() {
        JobRecipe yaml = JobRecipe.read(Map.of("lr_scheduler_type", "cosine_with_min_lr",
                "lr_scheduler_kwargs", Map.of("min_lr_rate", 0.1)), RecipeSource.YAML);
        JobRecipe rest = JobRecipe.read(Map.of("lr_scheduler_type", "cosine_with_min_lr",
                "lr_scheduler_kwargs", "{ \"min_lr_rate\" : 0.1 }"), RecipeSource.REST);

        assertThat(yaml.optimization().lrSchedulerKwargs()).isEqualTo(Map.of("min_lr_rate", 0.1));
        assertThat(rest.optimization().lrSchedulerKwargs()).isEqualTo(Map.of("min_lr_rate", 0.1));
        assertThat(yaml.effectiveValues().get("lr_scheduler_kwargs"))
                .isEqualTo(rest.effectiveValues().get("lr_scheduler_kwargs")).isEqualTo("{\"min_lr_rate\":0.1}");
    }

    @Test
    void cosineWithMinLrWithoutItsFloorIsRefusedAsHuggingFaceRefusesIt() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("lr_scheduler_type", "cosine_with_min_lr"), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("min_lr_rate");
    }

    @Test
    void schedulerArgumentsThatAreNotAnObjectAreRefusedWithTheKey() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("lr_scheduler_kwargs", "[1, 2]"), RecipeSource.REST))
                .isInstanceOf(RecipeException.class).hasMessageContaining("lr_scheduler_kwargs")
                .hasMessageContaining("JSON object");
    }

    @Test
    void llamaFactoryLoraPlusNeftuneAndOptimKeysAreRead() {
        JobRecipe recipe = JobRecipe.read(Map.of("loraplus_lr_ratio", 16.0, "loraplus_lr_embedding", 1e-6,
                "neftune_noise_alpha", 5, "optim", "sgd", "lr_scheduler_type", "warmup_stable_decay"),
                RecipeSource.YAML);

        assertThat(recipe.method().lora().loraPlusLrRatio()).contains(16.0);
        assertThat(recipe.optimization().neftuneNoiseAlpha()).isEqualTo(5.0);
        assertThat(recipe.optimization().optim()).isEqualTo("sgd");
        assertThat(recipe.optimization().lrSchedulerType()).isEqualTo("warmup_stable_decay");
    }

    @Test
    void anOptimizerTuneForgeDoesNotTrainWithIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("optim", "lion_8bit"), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("adafactor")
                .hasMessageContaining("adamw_8bit");
    }

    @Test
    void eightBitAdamWIsReadUnderEachHuggingFaceNameAndRefusedBesideAMemorySavingOptimizer() {
        for (String name : List.of("adamw_8bit", "adamw_bnb_8bit", "paged_adamw_8bit", "paged_adamw_32bit")) {
            assertThat(JobRecipe.read(Map.of("optim", name), RecipeSource.YAML).optimization().optim()).isEqualTo(name);
            assertThat(JobRecipe.read(Map.of("optim", name), RecipeSource.REST).optimization().optim()).isEqualTo(name);
        }
        assertThatThrownBy(() -> JobRecipe.read(Map.of("optim", "adamw_8bit", "use_galore", true,
                "finetuning_type", "full"), RecipeSource.YAML)).isInstanceOf(RecipeException.class)
                .hasMessageContaining("optim");
    }

    @Test
    void cosineWarmupWithMinLrNeedsItsFloorAsHuggingFaceDoes() {
        RecipeOptimization o = JobRecipe.read(Map.of("lr_scheduler_type", "cosine_warmup_with_min_lr",
                "lr_scheduler_kwargs", "{\"min_lr_rate\": 0.1, \"warmup_lr_rate\": 0.2}"), RecipeSource.YAML)
                .optimization();
        assertThat(o.lrSchedulerType()).isEqualTo("cosine_warmup_with_min_lr");
        assertThat(o.lrSchedulerKwargs()).containsEntry("warmup_lr_rate", 0.2);
        assertThatThrownBy(() -> JobRecipe.read(Map.of("lr_scheduler_type", "cosine_warmup_with_min_lr"),
                RecipeSource.YAML)).isInstanceOf(RecipeException.class).hasMessageContaining("min_lr_rate");
    }

    @Test
    void dftAndEaftLossKeysAreReadWithLlamaFactoryDefaults() {
        RecipeOptimization plain = JobRecipe.read(Map.of(), RecipeSource.YAML).optimization();
        RecipeOptimization eaft = JobRecipe.read(Map.of("use_eaft_loss", true, "eaft_alpha", 0.5), RecipeSource.YAML)
                .optimization();

        assertThat(plain.useDftLoss()).isFalse();
        assertThat(plain.useEaftLoss()).isFalse();
        assertThat(plain.eaftAlpha()).isEqualTo(1.0);
        assertThat(eaft.useEaftLoss()).isTrue();
        assertThat(eaft.eaftAlpha()).isEqualTo(0.5);
        assertThat(JobRecipe.read(Map.of("use_dft_loss", true), RecipeSource.YAML).optimization().useDftLoss()).isTrue();
    }
}
