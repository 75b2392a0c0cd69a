package io.tuneforge.trainer.training.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.CausalLmLoss;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Manual profiling aid (not a test): times forward, loss and backward of bench steps. */
public final class StepProfile {
    public static void main(String[] args) {
        int layers = Integer.parseInt(args[0]);
        int chunk = Integer.parseInt(args[1]);
        LlamaShape shape = new LlamaShape(512, layers, 8, 8, 1376, 32000, 256, 4, 8, 2);
        Random random = new Random(1);
        List<TokenizedSample> samples = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] ids = random.ints(256, 1, 32000).toArray();
            samples.add(new TokenizedSample(ids, ids.clone()));
        }
        Batch batch = Batch.collate(samples, 0);
        try (BenchLlama model = new BenchLlama(shape, 1, BenchLlama.LinearKind.valueOf(args[2])); NDManager run = NDManager.newBaseManager()) {
            for (int rep = 0; rep < 6; rep++) {
                try (NDManager step = run.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    long t0 = System.nanoTime();
                    NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), true);
                    hidden.getFloat(0, 0, 0);
                    long t1 = System.nanoTime();
                    NDArray loss = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model.lmHeadWeight(), batch, chunk);
                    loss.getFloat();
                    long t2 = System.nanoTime();
                    gc.backward(loss);
                    long t3 = System.nanoTime();
                    System.out.printf("forward %.0f ms, loss %.0f ms, backward %.0f ms, total %.0f ms%n",
                            (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t3 - t0) / 1e6);
                }
                model.trainableParameters().values().forEach(p -> ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p));
            }
        }
    }
}
