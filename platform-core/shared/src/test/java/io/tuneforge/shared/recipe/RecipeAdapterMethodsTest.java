package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** finetuning_type prefix and adapter with their keys, from YAML and REST alike; bad values name the key. */
class RecipeAdapterMethodsTest {

    @Test
    void prefixTuningReadsPeftsKeys() {
        JobRecipe recipe = JobRecipe.read(Map.of("finetuning_type", "prefix", "num_virtual_tokens", 16,
                "prefix_projection", true, "encoder_hidden_size", 128), RecipeSource.YAML);

        assertThat(recipe.method().finetuningType()).isEqualTo(RecipeMethod.FinetuningType.PREFIX);
        assertThat(recipe.method().prefix()).isEqualTo(new RecipeAdapterMethods.Prefix(16, true, Optional.of(128L)));
        assertThat(recipe.method().finetuningType().mergeable()).isFalse();
        assertThat(recipe.method().finetuningType().isAdapter()).isTrue();
    }

    @Test
    void bottleneckAdaptersReadTheirKeysWithAdapterHubDefaults() {
        JobRecipe defaults = JobRecipe.read(Map.of("finetuning_type", "adapter"), RecipeSource.REST);
        JobRecipe houlsby = JobRecipe.read(Map.of("finetuning_type", "adapter", "adapter_placement", "houlsby",
                "adapter_reduction_factor", 8, "adapter_non_linearity", "swish"), RecipeSource.YAML);

        assertThat(defaults.method().adapter()).isEqualTo(new RecipeAdapterMethods.Adapter(16.0, "pfeiffer", "relu"));
        assertThat(houlsby.method().adapter()).isEqualTo(new RecipeAdapterMethods.Adapter(8.0, "houlsby", "swish"));
    }

    @Test
    void badValuesAreRefusedNamingTheKeyAndTheChoices() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("finetuning_type", "adapter", "adapter_placement", "parallel"),
                RecipeSource.YAML)).isInstanceOf(RecipeException.class).hasMessageContaining("adapter_placement")
                .hasMessageContaining("houlsby");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("adapter_reduction_factor", 0.5), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("adapter_reduction_factor");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("num_virtual_tokens", 0), RecipeSource.REST))
                .isInstanceOf(RecipeException.class).hasMessageContaining("num_virtual_tokens");
    }
}
