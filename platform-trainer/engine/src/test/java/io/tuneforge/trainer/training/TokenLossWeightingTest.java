package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * DFT and EAFT token weighting (LLaMA-Factory's {@code _dft_cross_entropy} and {@code _eaft_cross_entropy}) against a
 * hand computation in doubles: the loss value, and the gradient, in which the weight is a constant
 * ({@code dL/dh = w · (softmax(hW)·W - W[label])}).
 */
class TokenLossWeightingTest {

    private static final int I = TokenizedSample.IGNORE_INDEX;
    private static final int C = 8;
    private static final int V = 27; // above EAFT's 20 so its top-k truncation matters

    private static final List<TokenizedSample> SAMPLES = List.of(
            new TokenizedSample(new int[] {1, 5, 7, 9, 3, 2}, new int[] {I, I, 7, 9, 3, 2}),
            new TokenizedSample(new int[] {1, 4, 26}, new int[] {I, 4, 26}),
            new TokenizedSample(new int[] {1, 8, 8, 8, 2}, new int[] {I, I, I, 8, 2}));

    @Test
    void dftWeighsEachTokenByItsOwnProbabilityAndKeepsTheWeightOutOfTheGradient() {
        check(new TokenLossWeighting.Dft());
    }

    @Test
    void eaftWeighsEachTokenByTheTopTwentyEntropyOverThreeToTheAlpha() {
        check(new TokenLossWeighting.Eaft(1.0));
        check(new TokenLossWeighting.Eaft(0.5));
    }

    @Test
    void noWeightingIsThePlainNegativeLogLikelihood() {
        check(TokenLossWeighting.none());
    }

    @Test
    void asftAddsAlphaTimesTheKlDivergenceFromTheReferenceToDftsLoss() {
        checkAsft(0.1);
        checkAsft(0.0);
        checkAsft(2.5);
    }

    /**
     * LLaMA-Factory's {@code _asft_cross_entropy} by hand: per target position {@code p·nll + alpha·Σ q (log q −
     * log p)}, its gradient {@code p·(softmax·W − W[label]) + alpha·(softmax − q)·W} (q and the DFT weight constants).
     */
    private static void checkAsft(double alpha) {
        Batch batch = Batch.collate(SAMPLES, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(5);
            NDArray hidden = manager.randomNormal(new Shape(3, 6, C));
            NDArray referenceHidden = manager.randomNormal(new Shape(3, 6, C));
            NDArray weight = manager.randomNormal(new Shape(V, C)).mul(2f);
            hidden.setRequiresGradient(true);
            float loss;
            float[] grad;
            try (NDManager step = manager.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray weightT = weight.transpose();
                CausalLmLoss.Reference reference = new CausalLmLoss.Reference(referenceHidden, rows -> {
                    NDArray logits = rows.matMul(weightT);
                    logits.attach(step);
                    return logits;
                });
                NDArray sum = CausalLmLoss.asftSum(step, hidden, new FixedHead(weight), reference, batch, 3,
                        new TokenLossWeighting.Asft(alpha));
                gc.backward(sum);
                loss = sum.getFloat();
                grad = hidden.getGradient().toFloatArray();
            }
            float[] h = hidden.toFloatArray();
            float[] r = referenceHidden.toFloatArray();
            float[] w = weight.toFloatArray();
            double expectedLoss = 0;
            double[] expectedGrad = new double[h.length];
            long[] positions = batch.predictingPositions();
            long[] targets = batch.targetIds();
            for (int i = 0; i < positions.length; i++) {
                int row = (int) positions[i];
                double[] logits = logitsAt(h, w, row);
                double[] refLogits = logitsAt(r, w, row);
                double lse = logSumExp(logits);
                double refLse = logSumExp(refLogits);
                double nll = lse - logits[(int) targets[i]];
                double p = Math.exp(-nll);
                double kl = 0;
                for (int j = 0; j < V; j++) {
                    double logQ = refLogits[j] - refLse;
                    kl += Math.exp(logQ) * (logQ - (logits[j] - lse));
                }
                expectedLoss += p * nll + alpha * kl;
                for (int c = 0; c < C; c++) {
                    double g = -p * w[(int) targets[i] * C + c];
                    for (int j = 0; j < V; j++) {
                        double softmax = Math.exp(logits[j] - lse);
                        double q = Math.exp(refLogits[j] - refLse);
                        g += (p * softmax + alpha * (softmax - q)) * w[j * C + c];
                    }
                    expectedGrad[row * C + c] += g;
                }
            }
            assertThat((double) loss).as("ASFT %s loss", alpha).isCloseTo(expectedLoss, within(1e-4 * expectedLoss));
            for (int k = 0; k < h.length; k++) {
                assertThat((double) grad[k]).as("ASFT %s gradient %d", alpha, k)
                        .isCloseTo(expectedGrad[k], within(2e-5 + 1e-4 * Math.abs(expectedGrad[k])));
            }
        }
    }

    private static double[] logitsAt(float[] hidden, float[] w, int row) {
        double[] logits = new double[V];
        for (int j = 0; j < V; j++) {
            for (int c = 0; c < C; c++) {
                logits[j] += hidden[row * C + c] * w[j * C + c];
            }
        }
        return logits;
    }

    /** A model that is only an LM head (the loss's view of it). */
    private record FixedHead(NDArray lmHeadWeight) implements io.tuneforge.trainer.model.TrainableModel {
        @Override
        public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.SequencedMap<String, NDArray> trainableParameters() {
            return new java.util.LinkedHashMap<>();
        }

        @Override
        public void saveTrained(java.nio.file.Path directory) {
            throw new UnsupportedOperationException();
        }
    }

    private static void check(TokenLossWeighting weighting) {
        Batch batch = Batch.collate(SAMPLES, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray hidden = manager.randomNormal(new Shape(3, 6, C));
            NDArray weight = manager.randomNormal(new Shape(V, C)).mul(2f);
            hidden.setRequiresGradient(true);
            float loss;
            float[] grad;
            try (NDManager step = manager.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray sum = CausalLmLoss.weightedNegativeLogLikelihoodSum(step, hidden, weight, batch, 3, weighting);
                gc.backward(sum);
                loss = sum.getFloat();
                grad = hidden.getGradient().toFloatArray();
            }
            float[] h = hidden.toFloatArray();
            float[] w = weight.toFloatArray();
            double expectedLoss = 0;
            double[] expectedGrad = new double[h.length];
            long[] positions = batch.predictingPositions();
            long[] targets = batch.targetIds();
            for (int i = 0; i < positions.length; i++) {
                double[] logits = new double[V];
                for (int j = 0; j < V; j++) {
                    for (int c = 0; c < C; c++) {
                        logits[j] += h[(int) positions[i] * C + c] * w[j * C + c];
                    }
                }
                double lse = logSumExp(logits);
                double nll = lse - logits[(int) targets[i]];
                double tokenWeight = handWeight(weighting, logits, nll);
                expectedLoss += tokenWeight * nll;
                for (int c = 0; c < C; c++) {
                    double g = -w[(int) targets[i] * C + c];
                    for (int j = 0; j < V; j++) {
                        g += Math.exp(logits[j] - lse) * w[j * C + c];
                    }
                    expectedGrad[(int) positions[i] * C + c] += tokenWeight * g;
                }
            }
            assertThat((double) loss).as("%s loss", weighting).isCloseTo(expectedLoss, within(1e-4 * expectedLoss));
            for (int k = 0; k < h.length; k++) {
                assertThat((double) grad[k]).as("%s gradient %d", weighting, k)
                        .isCloseTo(expectedGrad[k], within(2e-5 + 1e-4 * Math.abs(expectedGrad[k])));
            }
        }
    }

    private static double handWeight(TokenLossWeighting weighting, double[] logits, double nll) {
        return switch (weighting) {
            case TokenLossWeighting.None none -> 1.0;
            case TokenLossWeighting.Dft dft -> Math.exp(-nll);
            case TokenLossWeighting.Asft asft -> throw new AssertionError("ASFT has its own check");
            case TokenLossWeighting.Eaft eaft -> {
                double[] sorted = logits.clone();
                Arrays.sort(sorted);
                double[] top = Arrays.copyOfRange(sorted, sorted.length - 20, sorted.length);
                double lse = logSumExp(top);
                double entropy = 0;
                for (double t : top) {
                    entropy -= Math.exp(t - lse) * (t - lse);
                }
                yield Math.pow(entropy / 3.0, eaft.alpha());
            }
        };
    }

    private static double logSumExp(double[] values) {
        double max = Arrays.stream(values).max().orElseThrow();
        double sum = 0;
        for (double v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }
}
