package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mixture-of-experts keys: moe_aux_loss_coef, expert and router LoRA targets, freeze tuning by expert. */
class RecipeMoeTest {

    @Test
    void moeAuxLossCoefIsReadAndZeroByDefault() {
        assertThat(JobRecipe.read(Map.of("moe_aux_loss_coef", 0.001), RecipeSource.YAML).model().moeAuxLossCoef())
                .isEqualTo(0.001);
        assertThat(JobRecipe.read(Map.of(), RecipeSource.YAML).model().moeAuxLossCoef()).isZero();
        assertThatThrownBy(() -> JobRecipe.read(Map.of("moe_aux_loss_coef", -1), RecipeSource.YAML))
                .hasMessageContaining("moe_aux_loss_coef");
    }

    @Test
    void loraTargetMayNameMixtralsExpertsAndTheRouters() {
        JobRecipe recipe = JobRecipe.read(Map.of("lora_target", "q_proj,w1,w2,w3,gate,shared_expert_gate"),
                RecipeSource.YAML);
        assertThat(recipe.method().lora().targetModules())
                .containsExactly("q_proj", "w1", "w2", "w3", "gate", "shared_expert_gate");
    }

    @Test
    void freezeMayNameExpertsOneExpertTheRouterAndTheSharedExpert() {
        JobRecipe recipe = JobRecipe.read(Map.of("finetuning_type", "freeze",
                "freeze_trainable_modules", "mlp.experts.3, mlp.gate,mlp.shared_expert,self_attn"), RecipeSource.YAML);
        assertThat(recipe.method().freeze().trainableModules())
                .containsExactly("mlp.experts.3", "mlp.gate", "mlp.shared_expert", "self_attn");
        assertThat(JobRecipe.read(Map.of("freeze_trainable_modules", "mlp.experts"), RecipeSource.YAML)
                .method().freeze().trainableModules()).containsExactly("mlp.experts");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("freeze_trainable_modules", "mlp.expert.3"), RecipeSource.YAML))
                .hasMessageContaining("freeze_trainable_modules")
                .hasMessageContaining("mlp.experts.N");
    }
}
