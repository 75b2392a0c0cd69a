package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The memory-saving optimizers' keys (DD032): read as LLaMA-Factory's examples write them, refused in bad company. */
class RecipeMemoryOptimizersTest {

    private static JobRecipe yaml(Object... keyValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return JobRecipe.read(values, RecipeSource.YAML);
    }

    private static void refused(String key, String reason, Object... keyValues) {
        assertThatThrownBy(() -> yaml(keyValues)).isInstanceOfSatisfying(RecipeException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.getMessage()).contains(reason);
        });
    }

    @Test
    void llamaFactorysGaloreAndBadamExamplesRead() {
        RecipeMemoryOptimizers galore = yaml("finetuning_type", "full", "use_galore", true, "galore_layerwise", true,
                "galore_target", "all", "galore_rank", 128, "galore_scale", 2.0, "gradient_accumulation_steps", 1)
                .optimization().memoryOptimizers();
        assertThat(galore.chosen()).contains("use_galore");
        assertThat(galore.galoreTarget()).containsExactly("all");
        assertThat(galore.galoreRank()).isEqualTo(128);
        assertThat(galore.galoreUpdateInterval()).isEqualTo(200);

        RecipeMemoryOptimizers badam = yaml("finetuning_type", "full", "use_badam", true, "badam_mode", "layer",
                "badam_switch_mode", "ascending", "badam_switch_interval", 50, "badam_verbose", 2)
                .optimization().memoryOptimizers();
        assertThat(badam.chosen()).contains("use_badam");
        assertThat(badam.badamSwitchInterval()).isEqualTo(50);
        assertThat(yaml("finetuning_type", "full", "use_galore", true, "galore_target", "q_proj, v_proj")
                .optimization().memoryOptimizers().galoreTarget()).isEqualTo(List.of("q_proj", "v_proj"));
    }

    @Test
    void llamaFactorysApolloExampleReads() {
        RecipeMemoryOptimizers apollo = yaml("finetuning_type", "full", "use_apollo", true, "apollo_layerwise", true,
                "apollo_target", "all", "apollo_rank", 128, "apollo_scale", 32.0, "apollo_scale_type", "channel",
                "gradient_accumulation_steps", 1, "apollo_scale_front", true).optimization().memoryOptimizers();
        assertThat(apollo.chosen()).contains("use_apollo");
        assertThat(apollo.apolloRank()).isEqualTo(128);
        assertThat(yaml("finetuning_type", "full", "use_apollo", true, "apollo_proj", "svd").optimization()
                .memoryOptimizers().apolloProj()).isEqualTo("svd");
        refused("apollo_proj", "random", "apollo_proj", "qr");
        refused("use_apollo", "one memory-saving optimizer at a time", "finetuning_type", "full", "use_galore", true,
                "use_apollo", true);
        refused("gradient_accumulation_steps", "per-layer APOLLO", "finetuning_type", "full", "use_apollo", true,
                "apollo_layerwise", true, "gradient_accumulation_steps", 4);
    }

    @Test
    void galoreApolloAndBadamRefuseLoraAsLlamaFactoryDoes() {
        refused("use_galore", "finetuning_type full or freeze", "finetuning_type", "lora", "use_galore", true);
        refused("use_badam", "Cannot use LoRA with GaLore, APOLLO or BAdam", "use_badam", true);
        refused("use_adam_mini", "finetuning_type full or freeze", "use_adam_mini", true);
        refused("use_apollo", "finetuning_type full or freeze", "use_apollo", true);
        assertThat(yaml("use_muon", true).optimization().memoryOptimizers().chosen()).contains("use_muon");
    }

    @Test
    void oneOptimizerAtATimeWithAdamwTorch() {
        refused("use_badam", "one memory-saving optimizer at a time", "finetuning_type", "full", "use_galore", true,
                "use_badam", true);
        refused("use_muon", "one memory-saving optimizer at a time", "finetuning_type", "full", "use_adam_mini", true,
                "use_muon", true);
        refused("optim", "adamw_torch with use_muon", "finetuning_type", "full", "use_muon", true, "optim", "sgd");
        refused("use_muon", "LoRA+ builds its own optimizer", "use_muon", true, "loraplus_lr_ratio", 16.0);
        assertThat(yaml("finetuning_type", "full", "use_muon", true, "optim", "adamw_torch_fused")
                .optimization().memoryOptimizers().useMuon()).isTrue();
    }

    @Test
    void settingsEachOptimizerCannotUseAreRefusedWithTheReason() {
        refused("gradient_accumulation_steps", "per-layer GaLore does not support gradient accumulation",
                "finetuning_type", "full", "use_galore", true, "galore_layerwise", true);
        refused("badam_start_block", "with badam_switch_mode fixed", "finetuning_type", "full", "use_badam", true,
                "badam_switch_mode", "fixed");
        refused("badam_mask_mode", "adjacent", "badam_mask_mode", "random");
        refused("badam_update_ratio", "", "badam_update_ratio", 1.5);
        refused("galore_proj_type", "only galore_proj_type std", "galore_proj_type", "reverse_std");
        refused("galore_target", "comma-separated module names", "galore_target", "all,q_proj");
        refused("badam_switch_interval", "1", "badam_switch_interval", -1);
    }

    @Test
    void badamRatioModeIsReadWithLlamaFactoryDefaultsAndNeedsNoStartBlock() {
        RecipeMemoryOptimizers ratio = yaml("finetuning_type", "full", "use_badam", true, "badam_mode", "ratio",
                "badam_switch_mode", "fixed").optimization().memoryOptimizers();
        assertThat(ratio.badamMode()).isEqualTo("ratio");
        assertThat(ratio.badamUpdateRatio()).isEqualTo(0.05);
        assertThat(ratio.badamMaskMode()).isEqualTo("adjacent");
        RecipeMemoryOptimizers scatter = yaml("finetuning_type", "full", "use_badam", true, "badam_mode", "ratio",
                "badam_update_ratio", 0.2, "badam_mask_mode", "scatter").optimization().memoryOptimizers();
        assertThat(scatter.badamUpdateRatio()).isEqualTo(0.2);
        assertThat(scatter.badamMaskMode()).isEqualTo("scatter");
    }

    @Test
    void settingsWithoutTheirOptimizerAreReadAndChangeNothing() {
        RecipeMemoryOptimizers off = yaml("galore_rank", 8, "badam_switch_mode", "random").optimization()
                .memoryOptimizers();
        assertThat(off.chosen()).isEmpty();
        assertThat(off.galoreRank()).isEqualTo(8);
    }
}
