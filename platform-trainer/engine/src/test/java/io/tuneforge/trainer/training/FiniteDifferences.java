package io.tuneforge.trainer.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.model.TrainableModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Compares autograd gradients of the mean causal-LM loss with central finite differences. */
final class FiniteDifferences {

    /** One checked element: autograd's and the numerical derivative. */
    record Probe(String parameter, long index, double autograd, double numerical) {
    }

    private FiniteDifferences() {
    }

    /** Checks {@code perParameter} random elements of every trainable parameter (float64 models recommended). */
    static List<Probe> check(TrainableModel model, Batch batch, int perParameter, double epsilon, long seed) {
        List<Probe> probes = new ArrayList<>();
        Random random = new Random(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, double[]> grads = autogradGradients(model, batch, manager);
            for (Map.Entry<String, NDArray> e : model.trainableParameters().entrySet()) {
                NDArray p = e.getValue();
                double[] values = p.toType(DataType.FLOAT64, false).toDoubleArray();
                for (int k = 0; k < perParameter; k++) {
                    int i = random.nextInt(values.length);
                    double original = values[i];
                    values[i] = original + epsilon;
                    setAll(p, values);
                    double plus = meanLoss(model, batch, manager);
                    values[i] = original - epsilon;
                    setAll(p, values);
                    double minus = meanLoss(model, batch, manager);
                    values[i] = original;
                    setAll(p, values);
                    probes.add(new Probe(e.getKey(), i, grads.get(e.getKey())[i], (plus - minus) / (2 * epsilon)));
                }
            }
        }
        return probes;
    }

    private static void setAll(NDArray p, double[] values) {
        if (p.getDataType() == DataType.FLOAT64) {
            p.set(values);
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            p.set(f);
        }
    }

    private static Map<String, double[]> autogradGradients(TrainableModel model, Batch batch, NDManager manager) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        try (NDManager step = manager.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);
            NDArray nll = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model.lmHeadWeight(), batch, 5,
                    logits -> model.softcap(step, logits));
            NDArray mean = nll.div(step.full(new ai.djl.ndarray.types.Shape(), batch.targetTokens(), nll.getDataType()));
            mean.attach(step);
            collector.backward(mean);
        }
        for (Map.Entry<String, NDArray> e : model.trainableParameters().entrySet()) {
            try (NDArray grad = e.getValue().getGradient()) {
                out.put(e.getKey(), grad.toType(DataType.FLOAT64, false).toDoubleArray());
            }
            ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) e.getValue());
        }
        return out;
    }

    static double meanLoss(TrainableModel model, Batch batch, NDManager manager) {
        try (NDManager step = manager.newSubManager()) {
            NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);
            NDArray nll = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model.lmHeadWeight(), batch, 5,
                    logits -> model.softcap(step, logits));
            NDArray asDouble = nll.toType(DataType.FLOAT64, false);
            asDouble.attach(step);
            return asDouble.getDouble() / batch.targetTokens();
        }
    }
}
