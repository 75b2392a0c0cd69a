package io.tuneforge.trainer.training.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;

/**
 * Under pure_bf16 (DD040) GaLore's and APOLLO's projections are bfloat16 values from the step that draws them, as
 * their references make them in the bf16 weight's dtype; otherwise they stay float32.
 */
class Bf16ProjectionsTest {

    private static final AdamWConfig ADAM = new AdamWConfig(0.9, 0.999, 1e-8, 0.0);
    private static final String NAME = "model.layers.0.self_attn.q_proj.weight";

    /** The projection after one step with a random (12, 8) weight and gradient. */
    private static float[] projectionAfterOneStep(
            BiFunction<SequencedMap<String, NDArray>, NDManager, ParameterOptimizer> create, String key) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> params = new LinkedHashMap<>();
            params.put(NAME, manager.randomNormal(new Shape(12, 8)));                    // (12, 8)
            NDArray grad = manager.randomNormal(new Shape(12, 8));                        // (12, 8)
            try (ParameterOptimizer optimizer = create.apply(params, manager)) {
                optimizer.step(Map.of(NAME, grad), 1e-3);
                return optimizer.state().get(key + NAME).toFloatArray();
            }
        }
    }

    private static boolean onTheBf16Grid(float[] values) {
        for (float v : values) {
            if ((Float.floatToRawIntBits(v) & 0xFFFF) != 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void galoreRoundsItsNewProjectionToBf16OnlyUnderPureBf16() {
        GaLoreAdamW.Settings settings = new GaLoreAdamW.Settings(2, 10, 1.0, List.of("all"), false);
        assertThat(onTheBf16Grid(projectionAfterOneStep(
                (p, m) -> new GaLoreAdamW(p, ADAM, settings, m, true), "galore_projection."))).isTrue();
        assertThat(onTheBf16Grid(projectionAfterOneStep(
                (p, m) -> new GaLoreAdamW(p, ADAM, settings, m, false), "galore_projection."))).isFalse();
    }

    @Test
    void apolloRoundsItsNewProjectionToBf16OnlyUnderPureBf16() {
        ApolloAdamW.Settings settings = new ApolloAdamW.Settings(2, 10, 1.0, ApolloAdamW.ScaleType.CHANNEL,
                List.of("all"), false);
        assertThat(onTheBf16Grid(projectionAfterOneStep(
                (p, m) -> new ApolloAdamW(p, ADAM, settings, m, true), "apollo_projection."))).isTrue();
        assertThat(onTheBf16Grid(projectionAfterOneStep(
                (p, m) -> new ApolloAdamW(p, ADAM, settings, m, false), "apollo_projection."))).isFalse();
    }
}
