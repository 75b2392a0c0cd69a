package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;

import java.util.List;

import org.junit.jupiter.api.Test;

class CausalLmLossTest {

    private static final int I = TokenizedSample.IGNORE_INDEX;

    private static final List<TokenizedSample> SAMPLES = List.of(
            new TokenizedSample(new int[] {1, 5, 7, 9, 3, 2}, new int[] {I, I, 7, 9, 3, 2}),
            new TokenizedSample(new int[] {1, 4, 6}, new int[] {I, 4, 6}),
            new TokenizedSample(new int[] {1, 8, 8, 8, 2}, new int[] {I, I, I, 8, 2}));

    @Test
    void collatePadsRightWithPadIdAndIgnoredLabels() {
        Batch batch = Batch.collate(SAMPLES, 0);
        assertThat(batch.inputIds()[1]).containsExactly(1, 4, 6, 0, 0, 0);
        assertThat(batch.labels()[1]).containsExactly(I, 4, 6, I, I, I);
        assertThat(batch.inputTokens()).isEqualTo(14);
        assertThat(batch.targetTokens()).isEqualTo(4 + 2 + 2);
        assertThat(batch.predictingPositions()).containsExactly(1, 2, 3, 4, 6, 7, 14, 15);
        assertThat(batch.targetIds()).containsExactly(7, 9, 3, 2, 4, 6, 8, 2);
    }

    @Test
    void chunkedLossEqualsFullSoftmaxCrossEntropyWithShiftAndMask() {
        Batch batch = Batch.collate(SAMPLES, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray hidden = manager.randomNormal(new Shape(3, 6, 16));
            NDArray weight = manager.randomNormal(new Shape(11, 16));
            hidden.setRequiresGradient(true);
            float chunked;
            float[] chunkedGrad;
            try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray sum = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, weight, batch, 3);
                gc.backward(sum);
                chunked = sum.getFloat();
                chunkedGrad = hidden.getGradient().toFloatArray();
            }
            double reference = referenceLoss(hidden.toFloatArray(), weight.toFloatArray(), batch, 16, 11);
            assertThat((double) chunked).isCloseTo(reference, within(1e-4));
            // a label that does not count leaves its predicting hidden state without gradient
            assertThat(chunkedGrad[0]).isZero();                 // b0 t0 predicts an ignored label
            assertThat(chunkedGrad[16 * 5]).isZero();            // b0 t5 is the last position: predicts nothing
            assertThat(chunkedGrad[16 * 1]).isNotZero();         // b0 t1 predicts label 7
        }
    }

    @Test
    void batchWithoutTargetsHasZeroLoss() {
        Batch batch = Batch.collate(List.of(new TokenizedSample(new int[] {1, 2}, new int[] {I, I})), 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray sum = CausalLmLoss.negativeLogLikelihoodSum(manager, manager.ones(new Shape(1, 2, 4)),
                    manager.ones(new Shape(5, 4)), batch, 256);
            assertThat(sum.getFloat()).isZero();
        }
    }

    /** Plain-Java log-softmax cross-entropy over the shifted, masked labels. */
    private static double referenceLoss(float[] hidden, float[] weight, Batch batch, int c, int v) {
        double total = 0;
        int t = batch.sequenceLength();
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int pos = 0; pos + 1 < t; pos++) {
                int label = batch.labels()[b][pos + 1];
                if (label == I) {
                    continue;
                }
                double[] logits = new double[v];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    double dot = 0;
                    for (int j = 0; j < c; j++) {
                        dot += hidden[(b * t + pos) * c + j] * weight[k * c + j];
                    }
                    logits[k] = dot;
                    max = Math.max(max, dot);
                }
                double z = 0;
                for (double l : logits) {
                    z += Math.exp(l - max);
                }
                total += -(logits[label] - max - Math.log(z));
            }
        }
        return total;
    }
}
