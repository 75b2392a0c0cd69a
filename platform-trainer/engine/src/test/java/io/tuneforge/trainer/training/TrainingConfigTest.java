package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.training.optim.OptimizerMethod;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {

    @Test
    void toBuilderKeepsEverySetting() {
        TrainingConfig config = TrainingConfig.builder(Path.of("out")).learningRate(1e-3).maxSteps(7)
                .optimizerMethod(new OptimizerMethod.MuonMethod()).moeAuxLossCoef(0.001).neftuneNoiseAlpha(5)
                .loraPlusLrRatio(16).padTokenId(3).build();

        // a setting the builder forgets falls back to its default here (train's padTokenId goes through toBuilder)
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }
}
