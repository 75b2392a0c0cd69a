package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * LLaMA-Factory's on-the-fly quantization keys (QLoRA): quantization_bit 4 or 8 with bitsandbytes' method, type and
 * double quantization as LLaMA-Factory defaults them; other methods, bit widths and non-LoRA methods refused naming the
 * key with the reason.
 */
class QuantizationKeysTest {

    @Test
    void quantizationKeysAreReadWithLlamaFactoryDefaults() {
        RecipeModel defaults = JobRecipe.defaults().model();
        assertThat(defaults.quantized()).isFalse();
        assertThat(defaults.quantizationMethod()).isEqualTo("bnb");
        assertThat(defaults.quantizationType()).isEqualTo("nf4");
        assertThat(defaults.doubleQuantization()).isTrue();

        RecipeModel model = JobRecipe.read(Map.of("quantization_bit", 4, "quantization_method", "bnb",
                "quantization_type", "fp4", "double_quantization", false), RecipeSource.YAML).model();
        assertThat(model.quantizationBit()).contains(4L);
        assertThat(model.quantizationType()).isEqualTo("fp4");
        assertThat(model.doubleQuantization()).isFalse();
        assertThat(JobRecipe.read(Map.of("quantization_bit", 8), RecipeSource.REST).model().quantizationBit())
                .contains(8L);
    }

    @Test
    void quantizationWithFreezeOrFullTuningIsRefusedNamingQuantizationBit() {
        for (String type : new String[] {"freeze", "full"}) {
            assertThatThrownBy(() -> JobRecipe.read(Map.of("quantization_bit", 4, "finetuning_type", type),
                    RecipeSource.REST)).isInstanceOfSatisfying(RecipeException.class, e -> {
                        assertThat(e.key()).isEqualTo("quantization_bit");
                        assertThat(e.getMessage()).contains("finetuning_type " + type).contains("only LoRA");
                    });
        }
    }

    @Test
    void otherBitWidthsAndMethodsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("quantization_bit", 3), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("quantization_bit");
                    assertThat(e.getMessage()).contains("4 or 8").contains("hqq");
                });
        for (String method : new String[] {"gptq", "awq", "aqlm"}) {
            assertThatThrownBy(() -> JobRecipe.read(Map.of("quantization_bit", 4, "quantization_method", method),
                    RecipeSource.YAML)).isInstanceOfSatisfying(RecipeException.class, e -> {
                        assertThat(e.key()).isEqualTo("quantization_method");
                        assertThat(e.getMessage()).contains("quantized ahead of time").contains("bnb");
                    });
        }
        for (String method : new String[] {"hqq", "eetq"}) {
            assertThatThrownBy(() -> JobRecipe.read(Map.of("quantization_bit", 8, "quantization_method", method),
                    RecipeSource.YAML)).isInstanceOfSatisfying(RecipeException.class, e ->
                    assertThat(e.getMessage()).contains("bitsandbytes' formats only").contains(method));
        }
        assertThatThrownBy(() -> JobRecipe.read(Map.of("quantization_type", "int4"), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> assertThat(e.key())
                        .isEqualTo("quantization_type"));
        assertThatThrownBy(() -> JobRecipe.read(Map.of("quantization_device_map", "auto"), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("one device");
    }
}
