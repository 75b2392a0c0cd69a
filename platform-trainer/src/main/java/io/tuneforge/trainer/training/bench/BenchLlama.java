package io.tuneforge.trainer.training.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.training.ChannelsLastLinear;
import io.tuneforge.trainer.training.TrainableModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A randomly initialised Llama with LoRA on q and v, for the {@code bench} command only: the training step's cost
 * at a realistic shape, independent of any checkpoint. Hugging Face semantics (RMSNorm, half-rotation RoPE,
 * grouped-query attention with a causal mask, SwiGLU MLP); linears run through {@link ChannelsLastLinear} (oneDNN)
 * or MKL {@code matMul}, to compare the two on the host.
 * No Java {@code Number} enters an op under autograd: constants are libtorch scalars held for the model's life.
 * LoRA follows PEFT: {@code W x + (α/r) · B A x}, A random, B zero.
 */
final class BenchLlama implements TrainableModel, AutoCloseable {

    private final LlamaShape shape;
    private final NDManager manager;
    private final NDArray embedding;                 // (V, C), tied LM head
    private final NDArray finalNorm;                 // (C)
    private final List<Layer> layers = new ArrayList<>();
    private final NDArray epsilon;                   // ()
    private final NDArray attentionScale;            // ()
    private final NDArray loraScale;                 // ()
    private final NDArray causalMask;                // (T, T): 0 on and below the diagonal, -1e9 above
    private final NDArray cos;                       // (T, hd)
    private final NDArray sin;                       // (T, hd)
    private final SequencedMap<String, NDArray> trainable = new LinkedHashMap<>();

    /** How a linear layer runs: oneDNN 1×1 convolution on a channels-last view, or MKL matMul. */
    enum LinearKind { CONV, MATMUL }

    private final LinearKind linearKind;

    private record Layer(NDArray inputNorm, NDArray q, NDArray k, NDArray v, NDArray o, NDArray postNorm,
                         NDArray gate, NDArray up, NDArray down, NDArray qA, NDArray qB, NDArray vA, NDArray vB) {
    }

    BenchLlama(LlamaShape shape, int seed, LinearKind linearKind) {
        this.shape = shape;
        this.linearKind = linearKind;
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(seed);
        int c = shape.hidden();
        int hd = c / shape.heads();
        int kv = shape.kvHeads() * hd;
        embedding = normal(shape.vocab(), c);
        finalNorm = manager.ones(new Shape(c));
        for (int l = 0; l < shape.layers(); l++) {
            Layer layer = new Layer(manager.ones(new Shape(c)), kernel(c, c), kernel(kv, c), kernel(kv, c),
                    kernel(c, c), manager.ones(new Shape(c)), kernel(shape.intermediate(), c),
                    kernel(shape.intermediate(), c), kernel(c, shape.intermediate()),
                    lora(shape.loraRank(), c), manager.zeros(new Shape(c, shape.loraRank(), 1, 1)),
                    lora(shape.loraRank(), c), manager.zeros(new Shape(kv, shape.loraRank(), 1, 1)));
            layers.add(layer);
            String prefix = "model.layers." + l + ".self_attn.";
            trainable.put(prefix + "q_proj.lora_A", layer.qA());
            trainable.put(prefix + "q_proj.lora_B", layer.qB());
            trainable.put(prefix + "v_proj.lora_A", layer.vA());
            trainable.put(prefix + "v_proj.lora_B", layer.vB());
        }
        trainable.values().forEach(p -> p.setRequiresGradient(true));
        epsilon = manager.full(new Shape(), 1e-5f);
        attentionScale = manager.full(new Shape(), (float) (1 / Math.sqrt(hd)));
        loraScale = manager.full(new Shape(), 16f / shape.loraRank());
        int t = shape.sequence();
        float[] mask = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                mask[i * t + j] = -1e9f;
            }
        }
        causalMask = manager.create(mask, new Shape(t, t));
        float[] cosValues = new float[t * hd];
        float[] sinValues = new float[t * hd];
        for (int pos = 0; pos < t; pos++) {
            for (int i = 0; i < hd / 2; i++) {
                double angle = pos / Math.pow(10000.0, 2.0 * i / hd);
                cosValues[pos * hd + i] = cosValues[pos * hd + i + hd / 2] = (float) Math.cos(angle);
                sinValues[pos * hd + i] = sinValues[pos * hd + i + hd / 2] = (float) Math.sin(angle);
            }
        }
        cos = manager.create(cosValues, new Shape(t, hd));
        sin = manager.create(sinValues, new Shape(t, hd));
    }

    private NDArray normal(long rows, long cols) {
        return manager.randomNormal(0, 0.02f, new Shape(rows, cols), DataType.FLOAT32);
    }

    /** A frozen linear weight (out, in) stored directly as a 1×1 convolution kernel (out, in, 1, 1). */
    private NDArray kernel(long out, long in) {
        return normal(out, in).reshape(out, in, 1, 1);
    }

    /** LoRA A (r, in): Kaiming-uniform with a = √5, as PEFT. */
    private NDArray lora(long rank, long in) {
        float bound = (float) (1 / Math.sqrt(in));
        return manager.randomUniform(-bound, bound, new Shape(rank, in, 1, 1));
    }

    @Override
    public NDArray hiddenStates(NDManager step, NDArray inputIds, boolean training) {
        long b = inputIds.getShape().get(0);
        long t = inputIds.getShape().get(1);
        NDArray x = own(step, embedding.get(new NDIndex("{}", inputIds)));                   // (B, T, C)
        NDArray mask = own(step, causalMask.get(new NDIndex(":{}, :{}", t, t)));             // (T, T)
        NDArray cosT = own(step, cos.get(new NDIndex(":{}", t)));                            // (T, hd)
        NDArray sinT = own(step, sin.get(new NDIndex(":{}", t)));                            // (T, hd)
        for (Layer layer : layers) {
            // attention block
            NDArray h = rmsNorm(step, x, layer.inputNorm());                                  // (B, T, C)
            NDArray q = loraLinear(step, h, layer.q(), layer.qA(), layer.qB());               // (B, T, C)
            NDArray k = linear(step, h, layer.k());                         // (B, T, kv)
            NDArray v = loraLinear(step, h, layer.v(), layer.vA(), layer.vB());               // (B, T, kv)
            NDArray attended = attention(step, q, k, v, mask, cosT, sinT, b, t);              // (B, T, C)
            x = own(step, x.add(linear(step, attended, layer.o())));        // (B, T, C)
            // MLP block
            NDArray m = rmsNorm(step, x, layer.postNorm());                                   // (B, T, C)
            NDArray gateIn = linear(step, m, layer.gate());                 // (B, T, I)
            NDArray gate = own(step, gateIn.mul(own(step, gateIn.getNDArrayInternal().sigmoid()))); // SiLU
            NDArray up = linear(step, m, layer.up());                       // (B, T, I)
            NDArray act = own(step, gate.mul(up));                                            // (B, T, I)
            x = own(step, x.add(linear(step, act, layer.down())));          // (B, T, C)
        }
        return rmsNorm(step, x, finalNorm);                                                   // (B, T, C)
    }

    private NDArray attention(NDManager step, NDArray q, NDArray k, NDArray v, NDArray mask, NDArray cosT,
                              NDArray sinT, long b, long t) {
        int heads = shape.heads();
        int kvHeads = shape.kvHeads();
        long hd = shape.hidden() / heads;
        NDArray qh = rope(step, own(step, q.reshape(b, t, heads, hd).transpose(0, 2, 1, 3)), cosT, sinT);    // (B, H, T, hd)
        NDArray kh = rope(step, own(step, k.reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3)), cosT, sinT);  // (B, KV, T, hd)
        NDArray vh = own(step, v.reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3));                        // (B, KV, T, hd)
        if (kvHeads != heads) {
            int groups = heads / kvHeads;
            kh = own(step, kh.repeat(1, groups));                                                           // (B, H, T, hd)
            vh = own(step, vh.repeat(1, groups));
        }
        NDArray scaledQ = own(step, qh.mul(attentionScale));                                                // (B, H, T, hd)
        NDArray scores = own(step, scaledQ.matMul(own(step, kh.transpose(0, 1, 3, 2))));                   // (B, H, T, T)
        scores = own(step, scores.add(mask));
        NDArray probs = own(step, scores.softmax(-1));                                                      // (B, H, T, T)
        NDArray out = own(step, probs.matMul(vh));                                                          // (B, H, T, hd)
        return own(step, out.transpose(0, 2, 1, 3).reshape(b, t, heads * hd));                              // (B, T, C)
    }

    /** Hugging Face rotary embedding: x·cos + rotate_half(x)·sin, rotate_half(x) = [-x2, x1]. */
    private NDArray rope(NDManager step, NDArray x, NDArray cosT, NDArray sinT) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = own(step, x.get(new NDIndex("..., :{}", half)));                       // (B, H, T, hd/2)
        NDArray x2 = own(step, x.get(new NDIndex("..., {}:", half)));                       // (B, H, T, hd/2)
        NDArray rotated = own(step, NDArrays.concat(new NDList(own(step, x2.neg()), x1), 3)); // (B, H, T, hd)
        return own(step, own(step, x.mul(cosT)).add(own(step, rotated.mul(sinT))));
    }

    private NDArray loraLinear(NDManager step, NDArray x, NDArray w, NDArray a, NDArray bMatrix) {
        NDArray base = linear(step, x, w);                                  // (B, T, out)
        NDArray down = linear(step, x, a);                                  // (B, T, r)
        NDArray up = linear(step, down, bMatrix);                           // (B, T, out)
        return own(step, base.add(own(step, up.mul(loraScale))));
    }

    /** x (..., in) times a weight stored as a kernel (out, in, 1, 1): (..., out). */
    private NDArray linear(NDManager step, NDArray x, NDArray kernel) {
        if (linearKind == LinearKind.CONV) {
            return ChannelsLastLinear.apply(step, x, kernel);
        }
        Shape k = kernel.getShape();
        NDArray weightT = own(step, kernel.reshape(k.get(0), k.get(1)).transpose());        // (in, out) view
        return own(step, x.matMul(weightT));
    }

    private NDArray rmsNorm(NDManager step, NDArray x, NDArray weight) {
        NDArray meanSquare = own(step, own(step, x.mul(x)).mean(new int[] {-1}, true));      // (B, T, 1)
        NDArray rms = own(step, own(step, meanSquare.add(epsilon)).sqrt());                  // (B, T, 1)
        return own(step, own(step, x.div(rms)).mul(weight));                                 // (B, T, C)
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
        return trainable;
    }

    @Override
    public void saveTrained(Path directory) {
        // the bench keeps no artefact
    }

    @Override
    public void close() {
        manager.close();
    }
}
