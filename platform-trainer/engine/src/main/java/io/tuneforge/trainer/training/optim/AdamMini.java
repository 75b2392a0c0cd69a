package io.tuneforge.trainer.training.optim;

import static io.tuneforge.trainer.training.optim.OptimMath.gradient;
import static io.tuneforge.trainer.training.optim.OptimMath.lerpInPlace;
import static io.tuneforge.trainer.training.optim.OptimMath.scalar;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Adam-mini (Zhang et al. 2024; the official {@code adam_mini} 1.1.1 as LLaMA-Factory's {@code use_adam_mini} builds
 * it): Adam's first moment per weight, but ONE second moment per block, the mean of g² over the block. Blocks come
 * from the parameter's (lower-cased) name, checked in this order:
 * <ul>
 *   <li>{@code bias}: plain AdamW (a second moment per weight);</li>
 *   <li>query/key ({@code q_proj, k_proj, wq, wk, query, key}): one per head, the weight viewed as
 *       (−1, hidden·hidden/num_attention_heads);</li>
 *   <li>embedding, output, value, attention output, MLP ({@code embed, embd, wte, lm_head, output, final_layer,
 *       v_proj, wv, value, o_proj, wo, attn.proj, feed_forward, linear, mlp}): one per output row;</li>
 *   <li>anything else (norms): one for the whole tensor.</li>
 * </ul>
 * Update (eps after the bias correction, as PyTorch's AdamW): {@code p *= 1 − lr·wd; m.lerp_(g, 1−β1);
 * v̄ = β2·v̄ + (1−β2)·mean_block(g²); p −= lr · m / (1−β1^t) / (√v̄/√(1−β2^t) + eps)}. Weight decay is 0 for names
 * containing {@code norm}, {@code ln} or {@code bias}. State: {@code m.<name>} (the parameter's shape) and
 * {@code vmean.<name>} (blocks, 1) or, for biases, {@code v.<name>}.
 */
public final class AdamMini implements ParameterOptimizer {

    private static final List<String> QUERY_KEY = List.of("k_proj", "q_proj", "wq", "wk", "query", "key");
    private static final List<String> PER_ROW = List.of("embed", "embd", "wte", "lm_head", "output", "final_layer",
            "v_proj", "wv", "value", "o_proj", "wo", "attn.proj", "feed_forward", "linear", "mlp");

    /**
     * The model's attention shape Adam-mini's head blocks read.
     *
     * @param hiddenSize        {@code hidden_size} (Adam-mini's {@code dim})
     * @param numAttentionHeads {@code num_attention_heads} (its {@code n_heads})
     */
    public record Heads(int hiddenSize, int numAttentionHeads) {
        /** Weights per query/key head block: hidden·hidden / heads. */
        long headNumel() {
            return (long) hiddenSize * hiddenSize / numAttentionHeads;
        }
    }

    /** How one parameter's second moment is shared. */
    enum Block { ADAM, PER_HEAD, PER_ROW, WHOLE }

    private final SequencedMap<String, NDArray> parameters;
    private final AdamWConfig config;
    private final NDManager stateManager;
    private final Map<String, Block> blocks = new LinkedHashMap<>();
    private final SequencedMap<String, NDArray> state = new LinkedHashMap<>();
    private final long headNumel;
    private long stepCount;

    /**
     * @param parameters trainable parameters by stable name (updated in place)
     * @param config     betas, epsilon and the weight decay of decayed parameters
     * @param heads      hidden size and query heads of the model
     * @param parent     long-lived manager for the state
     */
    public AdamMini(SequencedMap<String, NDArray> parameters, AdamWConfig config, Heads heads, NDManager parent) {
        this.parameters = parameters;
        this.config = config;
        this.stateManager = parent.newSubManager();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue().getShape();
            Block block = blockOf(name);
            blocks.put(name, block);
            state.put("m." + name, stateManager.zeros(shape));
            switch (block) {
                case ADAM -> state.put("v." + name, stateManager.zeros(shape));
                case PER_HEAD -> {
                    if (shape.size() % heads.headNumel() != 0) {
                        throw new IllegalArgumentException("Adam-mini splits " + name + " " + shape + " into heads of "
                                + heads.headNumel() + " weights (hidden_size² / num_attention_heads), which do not "
                                + "divide it");
                    }
                    state.put("vmean." + name, stateManager.zeros(new Shape(shape.size() / heads.headNumel(), 1)));
                }
                case PER_ROW -> state.put("vmean." + name, stateManager.zeros(new Shape(shape.get(0), 1)));
                case WHOLE -> state.put("vmean." + name, stateManager.zeros(new Shape()));
            }
        }
        this.headNumel = heads.headNumel();
    }

    /** Adam-mini's block rule for a parameter name (see the class comment). */
    static Block blockOf(String parameterName) {
        String name = parameterName.toLowerCase(Locale.ROOT);
        if (name.contains("bias")) {
            return Block.ADAM;
        }
        if (QUERY_KEY.stream().anyMatch(name::contains)) {
            return Block.PER_HEAD;
        }
        return PER_ROW.stream().anyMatch(name::contains) ? Block.PER_ROW : Block.WHOLE;
    }

    /** Whether weight decay applies: not to names containing norm, ln or bias. */
    static boolean decays(String parameterName) {
        String name = parameterName.toLowerCase(Locale.ROOT);
        return !(name.contains("norm") || name.contains("ln") || name.contains("bias"));
    }

    /** Numbers of second-moment state of a parameter (for the memory estimate). */
    public static long secondMomentSize(String name, Shape shape, Heads heads) {
        return switch (blockOf(name)) {
            case ADAM -> shape.size();
            case PER_HEAD -> shape.size() / heads.headNumel();
            case PER_ROW -> shape.get(0);
            case WHOLE -> 1;
        };
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        stepCount++;
        double bc1 = 1.0 - Math.pow(config.beta1(), stepCount);
        double bc2Sqrt = Math.sqrt(1.0 - Math.pow(config.beta2(), stepCount));
        try (NDManager scope = stateManager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                String name = e.getKey();
                NDArray p = e.getValue();
                NDArray g = gradient(gradients, name);
                DataType type = p.getDataType();
                double decay = decays(name) ? config.weightDecay() : 0.0;
                NDArray m = state.get("m." + name);
                Block block = blocks.get(name);
                if (block == Block.ADAM) {
                    adamStep(scope, p, g, m, state.get("v." + name), learningRate, decay, bc1, bc2Sqrt);
                    continue;
                }
                NDArray vmean = state.get("vmean." + name);
                NDArray meanSquare = meanSquare(scope, g, block, vmean.getShape());      // vmean's shape
                vmean.muli(scalar(scope, config.beta2(), type));
                meanSquare.muli(scalar(scope, 1.0 - config.beta2(), type));
                vmean.addi(meanSquare);
                if (decay > 0.0) {
                    p.muli(scalar(scope, 1.0 - learningRate * decay, type));
                }
                lerpInPlace(scope, m, g, 1.0 - config.beta1());
                NDArray h = vmean.sqrt();                                                 // vmean's shape
                h.attach(scope);
                h.divi(scalar(scope, bc2Sqrt, type));
                h.addi(scalar(scope, config.epsilon(), type));
                NDArray stepSize = scalar(scope, 1.0 / bc1, type).div(h);                 // vmean's shape
                stepSize.attach(scope);
                NDArray update = perBlock(scope, m, block).mul(stepSize);                // (blocks, numel) or m's
                update.attach(scope);
                update = update.reshape(p.getShape());                                   // p's shape
                update.attach(scope);
                update.muli(scalar(scope, learningRate, type));
                p.subi(update);
            }
        }
    }

    /** The first moment viewed as its blocks: (heads, hidden²/heads) for query/key, else as is. */
    private NDArray perBlock(NDManager scope, NDArray m, Block block) {
        if (block != Block.PER_HEAD) {
            return m;
        }
        NDArray heads = m.reshape(-1, headNumel);
        heads.attach(scope);
        return heads;
    }

    private NDArray meanSquare(NDManager scope, NDArray g, Block block, Shape target) {
        NDArray squared = g.mul(g);
        squared.attach(scope);
        NDArray mean = switch (block) {
            case PER_HEAD -> squared.reshape(-1, headNumel).mean(new int[] {1}, true);  // (heads, 1)
            case PER_ROW -> squared.mean(new int[] {1}, true);                          // (rows, 1)
            default -> squared.sum().div(scalar(scope, g.getShape().size(), g.getDataType()));  // ()
        };
        mean.attach(scope);
        return mean;
    }

    private void adamStep(NDManager scope, NDArray p, NDArray g, NDArray m, NDArray v, double lr, double decay,
                          double bc1, double bc2Sqrt) {
        DataType type = p.getDataType();
        v.muli(scalar(scope, config.beta2(), type));
        NDArray squared = g.mul(g);
        squared.attach(scope);
        squared.muli(scalar(scope, 1.0 - config.beta2(), type));
        v.addi(squared);
        if (decay > 0.0) {
            p.muli(scalar(scope, 1.0 - lr * decay, type));
        }
        lerpInPlace(scope, m, g, 1.0 - config.beta1());
        NDArray h = v.sqrt();
        h.attach(scope);
        h.divi(scalar(scope, bc2Sqrt, type));
        h.addi(scalar(scope, config.epsilon(), type));
        NDArray delta = m.div(h);
        delta.attach(scope);
        delta.muli(scalar(scope, lr / bc1, type));
        p.subi(delta);
    }

    @Override
    public long stepCount() {
        return stepCount;
    }

    @Override
    public SequencedMap<String, NDArray> state() {
        return new LinkedHashMap<>(state);
    }

    @Override
    public void restore(Map<String, NDArray> saved, long restoredStepCount) {
        state.forEach((key, target) -> ParameterOptimizer.copyInto(target, saved.get(key), key));
        this.stepCount = restoredStepCount;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
