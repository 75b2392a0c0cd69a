package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Issue 14's LoRA variants in the recipe: lora_target spellings, PiSSA, create_new_adapter, the method's label. */
class RecipePeftVariantsTest {

    private static RecipeMethod method(Map<String, ?> values) {
        return JobRecipe.read(values, RecipeSource.YAML).method();
    }

    @Test
    void loraTargetIsAllNamesDottedSuffixesOrOneRegularExpressionKeptAsWritten() {
        assertThat(method(Map.of("lora_target", "all")).lora().targetModules()).isEqualTo(RecipeMethod.LINEAR_MODULES);
        assertThat(method(Map.of("lora_target", "q_proj, mlp.down_proj")).lora().targetModules())
                .containsExactly("q_proj", "mlp.down_proj");
        assertThat(method(Map.of("lora_target", ".*\\.(Q_proj|v_proj)")).lora().targetModules())
                .containsExactly(".*\\.(Q_proj|v_proj)");
    }

    @Test
    void aTargetPatternMatchesTheWholePathAndAListMatchesSuffixesAsPeftDoes() {
        String q = "model.layers.0.self_attn.q_proj";
        assertThat(RecipeMethod.targetMatches(List.of(".*\\.q_proj"), q)).isTrue();
        assertThat(RecipeMethod.targetMatches(List.of("self_attn\\.q_proj"), q)).isFalse();   // fullmatch, not search
        assertThat(RecipeMethod.targetMatches(List.of("self_attn.q_proj"), q)).isTrue();      // dotted suffix
        assertThat(RecipeMethod.targetMatches(List.of("attn.q_proj"), q)).isFalse();          // not at a dot
        assertThat(RecipeMethod.targetMatches(List.of(q), q)).isTrue();
    }

    @Test
    void unknownTargetsAndBrokenPatternsAreRefusedWithTheKey() {
        assertThatThrownBy(() -> method(Map.of("lora_target", "lm_head")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("lora_target")
                .hasMessageContaining("additional_target");
        assertThatThrownBy(() -> method(Map.of("lora_target", ".*(q_proj")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("valid regular expression");
    }

    @Test
    void pissaKeysAreReadWithLlamaFactoryDefaults() {
        RecipeMethod.Lora plain = method(Map.of()).lora();
        assertThat(plain.pissaInit()).isFalse();
        assertThat(plain.pissaIter()).isEqualTo(16);
        RecipeMethod.Lora pissa = method(Map.of("pissa_init", true, "pissa_iter", -1, "pissa_convert", true)).lora();
        assertThat(pissa.pissaInit()).isTrue();
        assertThat(pissa.pissaIter()).isEqualTo(-1);
        assertThat(pissa.pissaConvert()).isTrue();
    }

    @Test
    void pissaIsRefusedBesideAReferenceModelAndWhenContinuingAnAdapter() {
        assertThatThrownBy(() -> method(Map.of("pissa_init", true, "stage", "dpo")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("pissa_init");
        assertThat(method(Map.of("pissa_init", true, "stage", "dpo", "pref_loss", "orpo")).lora().pissaInit()).isTrue();
        assertThatThrownBy(() -> method(Map.of("pissa_init", true, "adapter_name_or_path", "saves/a")))
                .isInstanceOf(RecipeException.class).hasMessageContaining("create_new_adapter");
        assertThat(method(Map.of("pissa_init", true, "adapter_name_or_path", "saves/a", "create_new_adapter", true))
                .lora().createNewAdapter()).isTrue();
    }

    @Test
    void theMethodLabelNamesTheVariantsFromTheRecipe() {
        assertThat(method(Map.of()).describe()).isEqualTo("LoRA r=8");
        assertThat(method(Map.of("lora_rank", 16, "lora_target", "q_proj,v_proj", "use_dora", true,
                "loraplus_lr_ratio", 16.0)).describe()).isEqualTo("LoRA r=16 on q_proj,v_proj (DoRA, LoRA+ ×16)");
        assertThat(method(Map.of("pissa_init", true, "pissa_convert", true)).describe())
                .isEqualTo("LoRA r=8 (PiSSA, saved as LoRA)");
        assertThat(method(Map.of("finetuning_type", "freeze", "freeze_trainable_layers", 1)).describe())
                .isEqualTo("freeze: last 1 layer");
        assertThat(method(Map.of("finetuning_type", "full")).describe()).isEqualTo("full");
    }
}
