package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.types.DataType;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The loss pipeline (shift, mask, chunked channels-last LM head) back-propagates exact gradients into LoRA weights. */
class GradientCheckTest {

    @Test
    void loraGradientsAgreeWithFiniteDifferencesInFloat64() {
        Batch batch = Batch.collate(TrainerTest.countingSamples(3, 3, 4), 0);
        try (TinyCausalModel model = new TinyCausalModel(32, 16, 4, 11, DataType.FLOAT64)) {
            List<FiniteDifferences.Probe> probes = FiniteDifferences.check(model, batch, 6, 1e-6, 5);
            assertThat(probes).hasSize(12);
            for (FiniteDifferences.Probe p : probes) {
                assertThat(p.autograd()).as("%s[%d]", p.parameter(), p.index())
                        .isCloseTo(p.numerical(), within(1e-7 + 1e-6 * Math.abs(p.numerical())));
            }
            assertThat(probes).anySatisfy(p -> assertThat(Math.abs(p.autograd())).isGreaterThan(1e-4));
        }
    }
}
