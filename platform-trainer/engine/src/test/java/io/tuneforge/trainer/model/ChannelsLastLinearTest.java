package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import org.junit.jupiter.api.Test;

class ChannelsLastLinearTest {

    @Test
    void equalsMatMulWithTransposedWeightIncludingGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray x = manager.randomNormal(new Shape(2, 5, 8));
            NDArray w = manager.randomNormal(new Shape(6, 8));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray dy = manager.randomNormal(new Shape(2, 5, 6));
            float[] yConv;
            float[] gxConv;
            float[] gwConv;
            try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = ChannelsLastLinear.apply(step, x, ChannelsLastLinear.kernel(step, w));
                assertThat(y.getShape()).isEqualTo(new Shape(2, 5, 6));
                yConv = y.toFloatArray();
                NDArray loss = y.mul(dy).sum();
                loss.attach(step);
                gc.backward(loss);
                gxConv = x.getGradient().toFloatArray();
                gwConv = w.getGradient().toFloatArray();
            }
            ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) x);
            ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) w);
            try (NDManager step = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = x.matMul(w.transpose());
                y.attach(step);
                assertThat(y.toFloatArray()).containsExactly(yConv, org.assertj.core.data.Offset.offset(1e-4f));
                NDArray loss = y.mul(dy).sum();
                loss.attach(step);
                gc.backward(loss);
                assertThat(x.getGradient().toFloatArray()).containsExactly(gxConv, org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(w.getGradient().toFloatArray()).containsExactly(gwConv, org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }
}
