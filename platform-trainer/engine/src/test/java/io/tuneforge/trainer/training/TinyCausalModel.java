package io.tuneforge.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * A tiny random causal LM for trainer tests (no model code needed): embedding, causal prefix mean, one frozen
 * linear with a LoRA pair, residual tanh; the LM head is the tied embedding.
 * <pre>
 *   x   = E[ids]                                   (B, T, C)
 *   ctx = M · x,  M lower-triangular 1/(t+1)       (B, T, C)
 *   h   = x + tanh(ctx·W^T + s · ctx·A^T·B^T)      (B, T, C)
 * </pre>
 */
final class TinyCausalModel implements TrainableModel, AutoCloseable {

    private final NDManager manager;
    private final NDArray embedding;   // (V, C)
    private final NDArray weight;      // (C, C)
    private final NDArray loraA;       // (r, C)
    private final NDArray loraB;       // (C, r)
    private final NDArray scale;       // ()

    TinyCausalModel(int vocab, int channels, int rank, int seed, DataType type) {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(seed);
        embedding = manager.randomNormal(0, 1, new Shape(vocab, channels), type);
        weight = manager.randomNormal(0, (float) (1 / Math.sqrt(channels)), new Shape(channels, channels), type);
        loraA = manager.randomNormal(0, (float) (1 / Math.sqrt(channels)), new Shape(rank, channels), type);
        loraB = manager.randomNormal(0, 0.1f, new Shape(channels, rank), type);
        scale = manager.full(new Shape(), 2.0f, type);
        loraA.setRequiresGradient(true);
        loraB.setRequiresGradient(true);
    }

    static TinyCausalModel small(int seed) {
        return new TinyCausalModel(32, 16, 4, seed, DataType.FLOAT32);
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training) {
        long t = inputIds.getShape().get(1);
        NDArray x = own(step, embedding.get(new NDIndex("{}", inputIds)));                   // (B, T, C)
        NDArray ctx = own(step, prefixMean(step, t).matMul(x));                             // (B, T, C)
        NDArray base = own(step, ctx.matMul(own(step, weight.transpose())));                           // (B, T, C)
        NDArray down = own(step, ctx.matMul(own(step, loraA.transpose())));                            // (B, T, r)
        NDArray up = own(step, down.matMul(own(step, loraB.transpose())));                             // (B, T, C)
        NDArray mixed = own(step, base.add(own(step, up.mul(scale))).tanh());               // (B, T, C)
        return own(step, x.add(mixed));                                                      // (B, T, C)
    }

    private NDArray prefixMean(NDManager step, long t) {
        float[] m = new float[(int) (t * t)];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                m[(int) (i * t + j)] = 1f / (i + 1);
            }
        }
        return step.create(m, new Shape(t, t)).toType(embedding.getDataType(), false);       // (T, T)
    }

    private static NDArray own(NDManager step, NDArray a) {
        a.attach(step);
        return a;
    }

    @Override
    public NDArray lmHeadWeight() {
        return embedding;
    }

    @Override
    public SequencedMap<String, NDArray> trainableParameters() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        out.put("layer.lora_A", loraA);
        out.put("layer.lora_B", loraB);
        return out;
    }

    @Override
    public void saveTrained(Path directory) throws IOException {
        SafetensorsWriter.writeFile(directory.resolve("adapter_model.safetensors"), trainableParameters(),
                SafetensorsDType.F32);
    }

    NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
