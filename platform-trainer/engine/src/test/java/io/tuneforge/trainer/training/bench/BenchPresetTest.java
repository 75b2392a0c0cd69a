package io.tuneforge.trainer.training.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.WeightSpec;

import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** The presets are the published models' shapes: their configs parse and their weights count what the hub reports. */
class BenchPresetTest {

    private static long weights(BenchPreset preset) {
        ModelConfig config = ModelConfig.parse(preset.config("bfloat16"), Path.of(preset.key(), "config.json"));
        return HfWeightNames.expected(config).stream()
                .mapToLong(w -> Arrays.stream(w.shape()).reduce(1, (a, b) -> a * b)).sum();
    }

    @Test
    void llama32OneBillionCountsItsPublishedParameters() {
        assertThat(weights(BenchPreset.LLAMA_3_2_1B)).isEqualTo(1_235_814_400L);
    }

    @Test
    void qwen25OnePointFiveBillionCountsItsPublishedParameters() {
        assertThat(weights(BenchPreset.QWEN2_5_1_5B)).isEqualTo(1_543_714_304L);
    }

    @Test
    void qwen3HasItsOwnHeadDimAndQueryKeyNorms() {
        ModelConfig config = ModelConfig.parse(BenchPreset.QWEN3_0_6B.config("bfloat16"), Path.of("config.json"));
        assertThat(config.headDim()).isEqualTo(128);
        assertThat(config.qkNorm()).isTrue();
        assertThat(HfWeightNames.expected(config)).extracting(WeightSpec::name)
                .contains("model.layers.27.self_attn.q_norm.weight");
        assertThat(weights(BenchPreset.QWEN3_0_6B)).isEqualTo(596_049_920L);
    }

    @Test
    void anUnknownPresetNamesTheKnownOnes() {
        assertThatThrownBy(() -> BenchPreset.parse("gpt-2")).hasMessageContaining("qwen3-0.6b, llama-3.2-1b, qwen2.5-1.5b");
        assertThat(BenchPreset.parse("Qwen3-0.6B")).isEqualTo(BenchPreset.QWEN3_0_6B);
    }
}
