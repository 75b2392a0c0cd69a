package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

class LinearKernelTest {

    @Test
    void autoIsTheDefaultAndEachKernelIsNamedCaseInsensitively() {
        assertThat(LinearKernel.parse(null)).isEmpty();
        assertThat(LinearKernel.parse(" ")).isEmpty();
        assertThat(LinearKernel.parse("Auto")).isEmpty();
        assertThat(LinearKernel.parse("MatMul")).contains(LinearKernel.MATMUL);
        assertThat(LinearKernel.parse("conv")).contains(LinearKernel.CONV);
    }

    @Test
    void anUnknownKernelNamesTheSettingAndTheAcceptedValues() {
        assertThatThrownBy(() -> LinearKernel.parse("gemm"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tuneforge.linear-kernel / TUNEFORGE_LINEAR_KERNEL is 'gemm': "
                        + "expected auto, matmul or conv");
    }

    @Test
    void autoTakesTheConvolutionOnlyWhereItIsClearlyFaster() {
        assertThat(LinearKernel.faster(new MatmulPeak(235, 200))).isEqualTo(LinearKernel.MATMUL);  // Intel host
        assertThat(LinearKernel.faster(new MatmulPeak(200, 210))).isEqualTo(LinearKernel.MATMUL);  // close: keep
        assertThat(LinearKernel.faster(new MatmulPeak(210, 430))).isEqualTo(LinearKernel.CONV);    // MKL on AVX2
    }

    @Test
    void bothKernelsProjectManyRowsAlikeAndPassTheSameGradientsToInputAndWeight() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            NDArray x = manager.randomNormal(new Shape(2, 40, 16));                       // 80 rows ≥ CONV_MIN_ROWS
            NDArray w = manager.randomNormal(new Shape(24, 16));                              // (out, in)
            NDArray dy = manager.randomNormal(new Shape(2, 40, 24));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            float[][] matMul = projectAndBackward(manager, x, w, dy, LinearKernel.MATMUL);
            float[][] conv = projectAndBackward(manager, x, w, dy, LinearKernel.CONV);
            for (int i = 0; i < 3; i++) {
                assertThat(conv[i]).containsExactly(matMul[i], offset(1e-4f));
            }
        }
    }

    /** {output, dL/dx, dL/dW} for L = Σ y·dy. */
    private static float[][] projectAndBackward(NDManager manager, NDArray x, NDArray w, NDArray dy,
                                                LinearKernel kernel) {
        JniUtils.zeroGrad((PtNDArray) x);
        JniUtils.zeroGrad((PtNDArray) w);
        try (NDManager step = manager.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray y = kernel.apply(step, x, w);                                              // (2, 40, 24)
            assertThat(y.getShape()).isEqualTo(new Shape(2, 40, 24));
            NDArray loss = y.mul(dy).sum();
            loss.attach(step);
            collector.backward(loss);
            return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray(), w.getGradient().toFloatArray()};
        }
    }
}
