package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * bitsandbytes' AdamW with 8-bit state ({@code optim: adamw_8bit}, {@code adamw_bnb_8bit}, {@code paged_adamw_8bit}),
 * as the Hugging Face Trainer builds it ({@code bnb.optim.AdamW(..., optim_bits=8)}) and bitsandbytes' CPU kernel
 * updates it ({@code backends/cpu/ops.py optimizer_update_8bit_blockwise}):
 * <pre>
 *   m, v  = dequantize(codes1, absmax1, signed map), dequantize(codes2, absmax2, unsigned map)
 *   m     = beta1·m + (1 − beta1)·g ;  v = beta2·v + (1 − beta2)·g²
 *   denom = √v / √(1 − beta2^t) + eps
 *   p    ·= 1 − lr·wd  (wd > 0) ;  p −= lr / (1 − beta1^t) · m / denom
 *   codes1, absmax1 = quantize(m) ;  codes2, absmax2 = quantize(v)      (blocks of 256, {@link BlockwiseQuantizer})
 * </pre>
 * State stays 8-bit between steps: one byte per number and moment plus one float per 256 numbers
 * ({@code uint8} arrays in this optimizer's manager). As bitsandbytes, a parameter with fewer than
 * {@link #MIN_8BIT_SIZE} numbers keeps 32-bit moments, and so does every embedding table (the Trainer overrides
 * {@code nn.Embedding} weights to {@code optim_bits 32}); those follow bitsandbytes' 32-bit kernel
 * ({@code p += −lr·√(1 − beta2^t)/(1 − beta1^t) · m / (√v + eps·√(1 − beta2^t))}). With {@code eightBit} false
 * ({@code paged_adamw_32bit}) every parameter is 32-bit. The update runs on the CPU in Java over float arrays with
 * PyTorch's float32 operation order (fused multiply-add where PyTorch's kernels fuse), outside any gradient collector.
 */
public final class AdamW8bit implements ParameterOptimizer {

    /** bitsandbytes' {@code min_8bit_size}: smaller tensors keep 32-bit state. */
    public static final int MIN_8BIT_SIZE = 4096;

    private static final BlockwiseQuantizer SIGNED = new BlockwiseQuantizer(BlockwiseQuantizer.SIGNED_MAP);
    private static final BlockwiseQuantizer UNSIGNED = new BlockwiseQuantizer(BlockwiseQuantizer.UNSIGNED_MAP);

    private final AdamWConfig config;
    private final SequencedMap<String, NDArray> parameters;
    private final NDManager stateManager;
    private final Map<String, ParameterGroups.Settings> settings = new LinkedHashMap<>();
    private final Map<String, State> states = new LinkedHashMap<>();
    private long stepCount;

    /** One parameter's moments: 8-bit codes with block scales, or float32. */
    private sealed interface State permits Quantized, Full {
    }

    /**
     * @param codes1  exp_avg's codes in the signed map (uint8, the parameter's shape)
     * @param codes2  exp_avg_sq's codes in the unsigned map (uint8, the parameter's shape)
     * @param absmax1 exp_avg's absolute maximum per block of 256 (float32, (blocks))
     * @param absmax2 exp_avg_sq's absolute maximum per block of 256 (float32, (blocks))
     */
    private record Quantized(NDArray codes1, NDArray codes2, NDArray absmax1, NDArray absmax2) implements State {
    }

    /**
     * @param state1 exp_avg (float32, the parameter's shape)
     * @param state2 exp_avg_sq (float32, the parameter's shape)
     */
    private record Full(NDArray state1, NDArray state2) implements State {
    }

    /**
     * @param parameters the trainable parameters by stable name (float32; updated in place)
     * @param config     betas and epsilon (weight decay comes from the groups)
     * @param groups     Hugging Face's groups: per-parameter learning-rate scale and weight decay
     * @param eightBit   8-bit state where bitsandbytes uses it; false: 32-bit everywhere (paged_adamw_32bit)
     * @param parent     long-lived manager for the state
     */
    public AdamW8bit(SequencedMap<String, NDArray> parameters, AdamWConfig config, ParameterGroups groups,
                     boolean eightBit, NDManager parent) {
        this.config = config;
        this.parameters = parameters;
        this.stateManager = parent.newSubManager();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray p = e.getValue();
            if (p.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("adamw_8bit updates float32 parameters; " + e.getKey() + " is "
                        + p.getDataType());
            }
            settings.put(e.getKey(), groups.settings(e.getKey(), p.getShape().dimension()));
            Shape shape = p.getShape();
            if (eightBit && quantizes(e.getKey(), shape.size())) {
                Shape blocks = new Shape(BlockwiseQuantizer.blocks(shape.size()));
                states.put(e.getKey(), new Quantized(stateManager.zeros(shape, DataType.UINT8),
                        stateManager.zeros(shape, DataType.UINT8), stateManager.zeros(blocks, DataType.FLOAT32),
                        stateManager.zeros(blocks, DataType.FLOAT32)));
            } else {
                states.put(e.getKey(), new Full(stateManager.zeros(shape, DataType.FLOAT32),
                        stateManager.zeros(shape, DataType.FLOAT32)));
            }
        }
    }

    /**
     * Whether a parameter gets 8-bit state: at least {@link #MIN_8BIT_SIZE} numbers and not an embedding table
     * (a name with {@code embed}, {@code wte} or {@code word_embeddings} that is no LoRA / adapter matrix: the Hugging
     * Face Trainer keeps {@code nn.Embedding} weights in 32 bits).
     */
    public static boolean quantizes(String name, long numbers) {
        boolean embedding = (name.contains("embed") || name.contains("wte") || name.contains("word_embeddings"))
                && !name.contains("lora_") && !name.contains("adapter");
        return numbers >= MIN_8BIT_SIZE && !embedding;
    }

    /** Bytes this optimizer's state occupies (codes, scales and 32-bit moments), as allocated. */
    public long stateBytes() {
        long bytes = 0;
        for (NDArray a : state().values()) {
            bytes += a.size() * a.getDataType().getNumOfBytes();
        }
        return bytes;
    }

    @Override
    public long stepCount() {
        return stepCount;
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        stepCount++;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray grad = OptimMath.gradient(gradients, e.getKey());
            ParameterGroups.Settings group = settings.get(e.getKey());
            double lr = learningRate * group.learningRateScale();
            switch (states.get(e.getKey())) {
                case Quantized q -> updateQuantized(e.getValue(), grad, q, lr, group.weightDecay());
                case Full f -> updateFull(e.getValue(), grad, f, lr, group.weightDecay());
            }
        }
    }

    /** bitsandbytes' {@code _optimizer_update_8bit_blockwise_cpu}, "adam" branch. */
    private void updateQuantized(NDArray param, NDArray grad, Quantized q, double lr, double weightDecay) {
        float[] g = grad.toFloatArray();
        float[] p = param.toFloatArray();
        byte[] codes1 = q.codes1().toByteArray();
        byte[] codes2 = q.codes2().toByteArray();
        float[] absmax1 = q.absmax1().toFloatArray();
        float[] absmax2 = q.absmax2().toFloatArray();
        float[] m = new float[g.length];
        float[] v = new float[g.length];
        SIGNED.dequantize(codes1, absmax1, m);
        UNSIGNED.dequantize(codes2, absmax2, v);
        moments(g, m, v);
        double correction1 = 1.0 - Math.pow(config.beta1(), stepCount);
        float correction2 = (float) Math.sqrt(1.0 - Math.pow(config.beta2(), stepCount));
        float eps = (float) config.epsilon();
        if (weightDecay > 0.0) {
            float decay = (float) (1.0 - lr * weightDecay);
            for (int i = 0; i < p.length; i++) {
                p[i] *= decay;
            }
        }
        float value = (float) (-lr / correction1);
        for (int i = 0; i < p.length; i++) {
            float denom = (float) Math.sqrt(v[i]) / correction2 + eps;   // (√v / c2).add_(eps)
            p[i] = p[i] + value * m[i] / denom;                          // p.addcdiv_(m, denom, value)
        }
        OptimMath.overwrite(param, p);
        SIGNED.quantize(m, codes1, absmax1);
        UNSIGNED.quantize(v, codes2, absmax2);
        OptimMath.overwrite(q.codes1(), codes1);
        OptimMath.overwrite(q.codes2(), codes2);
        OptimMath.overwrite(q.absmax1(), absmax1);
        OptimMath.overwrite(q.absmax2(), absmax2);
    }

    /** bitsandbytes' {@code _optimizer_update_32bit_cpu}, "adam" branch (no update-norm limit: max_unorm 0). */
    private void updateFull(NDArray param, NDArray grad, Full f, double lr, double weightDecay) {
        float[] g = grad.toFloatArray();
        float[] p = param.toFloatArray();
        float[] m = f.state1().toFloatArray();
        float[] v = f.state2().toFloatArray();
        moments(g, m, v);
        double correction1 = 1.0 - Math.pow(config.beta1(), stepCount);
        double correction2 = Math.sqrt(1.0 - Math.pow(config.beta2(), stepCount));
        float stepSize = (float) (-lr * correction2 / correction1);
        float epsCorrected = (float) (config.epsilon() * correction2);
        if (weightDecay > 0.0) {
            float decay = (float) (1.0 - lr * weightDecay);
            for (int i = 0; i < p.length; i++) {
                p[i] *= decay;
            }
        }
        for (int i = 0; i < p.length; i++) {
            float update = m[i] / ((float) Math.sqrt(v[i]) + epsCorrected);
            p[i] = Math.fma(stepSize, update, p[i]);                     // p.add_(update, alpha=step_size)
        }
        OptimMath.overwrite(param, p);
        OptimMath.overwrite(f.state1(), m);
        OptimMath.overwrite(f.state2(), v);
    }

    /** {@code m.mul_(beta1).add_(g, alpha=1−beta1)}; {@code v.mul_(beta2).addcmul_(g, g, value=1−beta2)}. */
    private void moments(float[] g, float[] m, float[] v) {
        float beta1 = (float) config.beta1();
        float beta2 = (float) config.beta2();
        float oneMinusBeta1 = (float) (1.0 - config.beta1());
        float oneMinusBeta2 = (float) (1.0 - config.beta2());
        for (int i = 0; i < g.length; i++) {
            m[i] = Math.fma(oneMinusBeta1, g[i], m[i] * beta1);
            v[i] = Math.fma(oneMinusBeta2 * g[i], g[i], v[i] * beta2);
        }
    }

    /**
     * The state by bitsandbytes' names: {@code state1.<name>}, {@code state2.<name>} (uint8 codes, or float32 moments)
     * and, for 8-bit parameters, {@code absmax1.<name>}, {@code absmax2.<name>} (live arrays).
     */
    @Override
    public SequencedMap<String, NDArray> state() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, State> e : states.entrySet()) {
            String name = e.getKey();
            switch (e.getValue()) {
                case Quantized q -> {
                    out.put("state1." + name, q.codes1());
                    out.put("state2." + name, q.codes2());
                    out.put("absmax1." + name, q.absmax1());
                    out.put("absmax2." + name, q.absmax2());
                }
                case Full f -> {
                    out.put("state1." + name, f.state1());
                    out.put("state2." + name, f.state2());
                }
            }
        }
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> state, long restoredStepCount) {
        for (Map.Entry<String, NDArray> e : state().entrySet()) {
            NDArray source = state.get(e.getKey());
            if (source != null && source.getDataType() != e.getValue().getDataType()) {
                throw new IllegalArgumentException("Optimizer state tensor " + e.getKey() + " is "
                        + source.getDataType() + ", expected " + e.getValue().getDataType()
                        + " (was the checkpoint written with another optim?)");
            }
            ParameterOptimizer.copyInto(e.getValue(), source, e.getKey());
        }
        this.stepCount = restoredStepCount;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
