package io.tuneforge.trainer.training.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.model.GradMode;

import org.junit.jupiter.api.Test;

/** PPO's arithmetic against hand computations (TRL's compute_advantages, masked_whiten, loss, AdaptiveKLController). */
class PpoMathTest {

    private static final PpoConfig CONFIG = PpoConfig.of(4, 1, 6.0, false, false);

    @Test
    void gaeDiscountsTheTemporalDifferencesBackwardsAndReturnsAreAdvantagesPlusValues() {
        // rewards [0, 0, 1], values [0.5, 0.2, 0.1], γ 1, λ 0.95:
        // δ2 = 1 − 0.1 = 0.9; δ1 = 0.1 − 0.2 = −0.1; δ0 = 0.2 − 0.5 = −0.3
        // A2 = 0.9; A1 = −0.1 + 0.95·0.9 = 0.755; A0 = −0.3 + 0.95·0.755 = 0.41725
        double[][] gae = Advantages.gae(new double[] {0, 0, 1}, new double[] {0.5, 0.2, 0.1}, 1.0, 0.95);
        assertThat(gae[0]).containsExactly(new double[] {0.41725, 0.755, 0.9}, within(1e-12));
        assertThat(gae[1]).containsExactly(new double[] {0.91725, 0.955, 1.0}, within(1e-12));
    }

    @Test
    void whiteningUsesTheUnbiasedVarianceAndCanKeepTheMean() {
        // [1, 2, 4]: mean 7/3, unbiased variance 7/3, std 1.5275252
        double std = Math.sqrt(7.0 / 3 + 1e-8);
        assertThat(Advantages.whiten(new double[] {1, 2, 4}, true)).containsExactly(
                new double[] {(1 - 7.0 / 3) / std, (2 - 7.0 / 3) / std, (4 - 7.0 / 3) / std}, within(1e-12));
        assertThat(Advantages.whiten(new double[] {1, 2, 4}, false)).containsExactly(
                new double[] {(1 - 7.0 / 3) / std + 7.0 / 3, (2 - 7.0 / 3) / std + 7.0 / 3,
                        (4 - 7.0 / 3) / std + 7.0 / 3}, within(1e-12));
    }

    @Test
    void theClippedObjectiveAndTheClippedValueLossMatchAHandComputationWithTheirGradients() {
        try (NDManager m = NDManager.newBaseManager(); GradMode off = GradMode.disabled()) {
            NDArray logProbs = m.create(new float[] {-1.0f, -2.0f});
            NDArray values = m.create(new float[] {0.5f, -0.3f});
            logProbs.setRequiresGradient(true);
            values.setRequiresGradient(true);
            PpoLoss.Losses losses;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                losses = PpoLoss.of(m, logProbs, m.create(new float[] {-1.5f, -1.9f}), values,
                        m.create(new float[] {0.1f, 0.0f}), m.create(new float[] {1.0f, -2.0f}),
                        m.create(new float[] {1.0f, 0.2f}), CONFIG);
                collector.backward(losses.total());
            }
            // ρ0 = e^0.5 = 1.6487 → clipped to 1.2 (A > 0): max(−1.6487, −1.2) = −1.2, no gradient
            // ρ1 = e^−0.1 = 0.904837 inside [0.8, 1.2]: −A·ρ = 1.809675; gradient 2ρ/2 = 0.904837
            double rho1 = Math.exp(-0.1);
            assertThat(losses.policy().getFloat()).isCloseTo((float) ((-1.2 + 2 * rho1) / 2), within(1e-6f));
            // v0 = 0.5 clipped to 0.3: max((0.5−1)², (0.3−1)²) = 0.49 (the clipped branch: no gradient)
            // v1 = −0.3 clipped to −0.2: max((−0.3−0.2)², (−0.2−0.2)²) = 0.25 (unclipped: gradient ½·2·(−0.5)/2)
            assertThat(losses.value().getFloat()).isCloseTo(0.5f * (0.49f + 0.25f) / 2, within(1e-6f));
            assertThat(losses.total().getFloat()).isCloseTo((float) ((-1.2 + 2 * rho1) / 2 + 0.1 * 0.185),
                    within(1e-6f));
            assertThat(logProbs.getGradient().toFloatArray()).containsExactly(new float[] {0f, (float) rho1},
                    within(1e-6f));
            assertThat(values.getGradient().toFloatArray()).containsExactly(new float[] {0f, 0.1f * -0.25f},
                    within(1e-6f));
        }
    }

    @Test
    void theAdaptiveKlCoefficientMovesTowardTheTargetByAtMostTwentyPercentOfTheHorizonStep() {
        AdaptiveKlController above = new AdaptiveKlController(0.2, 6.0, 10000);
        above.update(12.0, 8);                       // error clipped to +0.2
        assertThat(above.value()).isCloseTo(0.2 * (1 + 0.2 * 8 / 10000), within(1e-15));
        AdaptiveKlController below = new AdaptiveKlController(0.2, 6.0, 10000);
        below.update(5.4, 100);                      // error −0.1
        assertThat(below.value()).isCloseTo(0.2 * (1 - 0.1 * 100 / 10000), within(1e-15));
    }

    @Test
    void runningMomentsGiveTheMeanAndBesselCorrectedStdOfEveryScoreSeen() {
        RunningMoments moments = new RunningMoments();
        moments.update(new double[] {1, 2, 3});
        moments.update(new double[] {10});
        // all scores {1, 2, 3, 10}: mean 4, sample std sqrt(((−3)² + (−2)² + (−1)² + 6²)/3) = sqrt(50/3)
        assertThat(moments.mean()).isCloseTo(4, within(1e-9));
        assertThat(moments.std()).isCloseTo(Math.sqrt(50.0 / 3), within(1e-6));
    }
}
