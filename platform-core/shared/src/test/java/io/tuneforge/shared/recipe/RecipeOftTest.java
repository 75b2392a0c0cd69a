package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Issue 14's OFT in the recipe: LLaMA-Factory's keys and defaults, PEFT's either-rank-or-block-size rule, the label. */
class RecipeOftTest {

    private static RecipeMethod method(Map<String, ?> values) {
        return JobRecipe.read(values, RecipeSource.YAML).method();
    }

    @Test
    void llamaFactorysOftExampleKeysAreRead() {
        RecipeMethod m = method(Map.of("finetuning_type", "oft", "oft_block_size", 32, "oft_target", "all"));
        assertThat(m.finetuningType()).isEqualTo(RecipeMethod.FinetuningType.OFT);
        assertThat(m.oft().rank()).isZero();
        assertThat(m.oft().blockSize()).isEqualTo(32);
        assertThat(m.oft().targetModules()).isEqualTo(RecipeMethod.LINEAR_MODULES);
        assertThat(m.oft().moduleDropout()).isZero();
        assertThat(m.describe()).isEqualTo("OFT b=32");
    }

    @Test
    void oftRankWithBlockSizeZeroAndTargetsAsLoraTargetReadsThem() {
        RecipeMethod m = method(Map.of("finetuning_type", "oft", "oft_rank", 4, "oft_block_size", 0,
                "oft_target", ".*\\.(q_proj|v_proj)", "module_dropout", 0.1));
        assertThat(m.oft().rank()).isEqualTo(4);
        assertThat(m.oft().targetModules()).containsExactly(".*\\.(q_proj|v_proj)");
        assertThat(m.oft().moduleDropout()).isEqualTo(0.1);
        assertThat(m.describe()).isEqualTo("OFT r=4 on .*\\.(q_proj|v_proj)");
    }

    @Test
    void bothOrNeitherOfRankAndBlockSizeIsRefusedAsPeftRefusesIt() {
        assertThatThrownBy(() -> method(Map.of("finetuning_type", "oft", "oft_rank", 4)))
                .isInstanceOf(RecipeException.class).hasMessageContaining("oft_block_size")
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> method(Map.of("finetuning_type", "oft", "oft_block_size", 0)))
                .isInstanceOf(RecipeException.class).hasMessageContaining("oft_block_size");
        // the OFT keys are only checked when OFT is the method
        assertThat(method(Map.of("oft_rank", 4)).finetuningType()).isEqualTo(RecipeMethod.FinetuningType.LORA);
    }

    @Test
    void unknownOftTargetsAndModulesTrainedWholeAreRefused() {
        assertThatThrownBy(() -> method(Map.of("finetuning_type", "oft", "oft_target", "lm_head")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("oft_target");
        assertThatThrownBy(() -> method(Map.of("finetuning_type", "oft", "additional_target", "norm")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("additional_target");
    }
}
