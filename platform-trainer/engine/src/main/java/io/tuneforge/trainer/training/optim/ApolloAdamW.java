package io.tuneforge.trainer.training.optim;

import static io.tuneforge.trainer.training.optim.OptimMath.gradient;
import static io.tuneforge.trainer.training.optim.OptimMath.scalar;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.ScriptedModule;
import io.tuneforge.trainer.model.safetensors.Bf16;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;

/**
 * APOLLO (Zhu et al. 2024) exactly as the official {@code apollo_torch.AdamW} with LLaMA-Factory's groups
 * ({@code _create_apollo_optimizer}, {@code apollo_proj: random} or {@code svd}, {@code apollo_proj_type: std}; with svd
 * the projection is the gradient's top singular vectors at each refresh, {@link Projection#SVD}). AdamW's moments of
 * a random projection of the gradient only measure how much each channel (or the whole tensor) should be scaled; the
 * update is the raw gradient scaled so:
 * <pre>
 *   refresh at steps 0, T, 2T, …:  P = randn(seed)/√r, (r, n) when m ≥ n else (m, r); seed = next_seed(seed)
 *   R = G·Pᵀ (m, r) or Pᵀ·G (r, n);  exp_avg, exp_avg_sq of R;  N = exp_avg / (√exp_avg_sq + eps)
 *   s = ‖N‖ / (‖R‖ + 1e-8) per row (m ≥ n) or column (m &lt; n) for channel, over the tensor for tensor
 *   U = G·s;  norm-growth limiter: U /= max(‖U‖ / (‖U_prev‖ + 1e-8), 1.01) / 1.01 (from the second step)
 *   W −= lr·√(1−β2^t)/(1−β1^t) · √scale · U;   then W −= lr·wd·W
 * </pre>
 * Other parameters: GaLore's AdamW update (transformers' old AdamW). Seeds: each parameter's 1-based index in
 * LLaMA-Factory's group order (no-decay, decay, APOLLO parameters); the random matrices and next seeds come from
 * {@code torch.Generator} inside libtorch ({@code apollo_random.pt}), so they are APOLLO's own. LLaMA-Factory passes
 * {@code apollo_scale_front} in the group, where APOLLO never reads it (it reads its constructor's): no effect.
 * State: {@code exp_avg/exp_avg_sq.<name>}, {@code apollo_projection.<name>}, {@code apollo_seed.<name>} (four 16-bit chunks, exact in float32) and
 * {@code apollo_scaled_grad_norm.<name>} (−1 before the first step).
 */
public final class ApolloAdamW implements ParameterOptimizer {

    /** {@code apollo_scale_type}. */
    public enum ScaleType {
        CHANNEL, TENSOR;

        /** Parses {@code apollo_scale_type}. */
        public static ScaleType fromConfigName(String name) {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** {@code apollo_proj}: where the projection comes from. */
    public enum Projection {
        /** A seeded Gaussian matrix / √rank (APOLLO's GradientProjector). */
        RANDOM,
        /**
         * The top singular vectors of the gradient at each refresh (APOLLO's GaLoreProjector, proj_type std):
         * Vh's first rows when m ≥ n, U's first columns otherwise, rank capped at min(m, n).
         */
        SVD;

        /** Parses {@code apollo_proj}. */
        public static Projection fromConfigName(String name) {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        }
    }

    /**
     * APOLLO's settings.
     *
     * @param rank           {@code apollo_rank}: rows (or columns) of the random projection
     * @param updateInterval {@code apollo_update_interval}: steps between new random projections
     * @param scale          {@code apollo_scale}: the update is multiplied by √scale
     * @param scaleType      {@code apollo_scale_type}: channel or tensor
     * @param targets        {@code apollo_target}: module-name parts, or {@code all} for every linear layer
     * @param layerwise      {@code apollo_layerwise}: no gradient clipping, accumulation 1 (as GaLore's)
     * @param projection     {@code apollo_proj}: random or svd
     */
    public record Settings(int rank, int updateInterval, double scale, ScaleType scaleType, List<String> targets,
                           boolean layerwise, Projection projection) {
        public Settings {
            if (rank < 1 || updateInterval < 1 || !(scale > 0) || targets.isEmpty()) {
                throw new IllegalArgumentException("APOLLO needs rank >= 1, update interval >= 1, scale > 0 and a "
                        + "target, got " + rank + ", " + updateInterval + ", " + scale + ", " + targets);
            }
            targets = List.copyOf(targets);
        }

        /** Settings with the random projection (APOLLO's default). */
        public Settings(int rank, int updateInterval, double scale, ScaleType scaleType, List<String> targets,
                        boolean layerwise) {
            this(rank, updateInterval, scale, scaleType, targets, layerwise, Projection.RANDOM);
        }
    }

    private final SequencedMap<String, NDArray> parameters;
    private final AdamWConfig config;
    private final Settings settings;
    private final NDManager stateManager;
    private final ScriptedModule random;
    private final boolean bf16Projections;
    private final ScriptedModule svd;
    private final Map<String, Boolean> rightSide = new LinkedHashMap<>();
    private final SequencedMap<String, NDArray> state = new LinkedHashMap<>();
    private long stepCount;

    /**
     * @param parameters trainable parameters by stable name (updated in place)
     * @param config     betas, epsilon, weight decay
     * @param settings   APOLLO's rank, interval, scale, scale type and targets
     * @param parent     long-lived manager for the state
     */
    public ApolloAdamW(SequencedMap<String, NDArray> parameters, AdamWConfig config, Settings settings,
                       NDManager parent) {
        this(parameters, config, settings, parent, false);
    }

    /**
     * @param parameters      trainable parameters by stable name (updated in place)
     * @param config          betas, epsilon, weight decay
     * @param settings        the method's settings
     * @param parent          long-lived manager for the state
     * @param bf16Projections round each new projection to bfloat16 before it is used, as the reference does
     *                        for bf16 weights (pure_bf16, DD040)
     */
    public ApolloAdamW(SequencedMap<String, NDArray> parameters, AdamWConfig config, Settings settings,
                       NDManager parent, boolean bf16Projections) {
        this.bf16Projections = bf16Projections;
        this.parameters = parameters;
        this.config = config;
        this.settings = settings;
        this.stateManager = parent.newSubManager();
        this.random = ScriptedModule.load(stateManager, "apollo_random.pt");
        this.svd = settings.projection() == Projection.SVD ? ScriptedModule.load(stateManager, "galore_svd.pt") : null;
        List<String> noDecay = new ArrayList<>();
        List<String> decay = new ArrayList<>();
        List<String> apollo = new ArrayList<>();
        parameters.forEach((name, p) -> {
            if (GaLoreAdamW.isGaLoreMatrix(name, p.getShape(), settings.targets())) {
                apollo.add(name);
            } else {
                (ParameterGroups.decays(name) ? decay : noDecay).add(name);
            }
        });
        long index = noDecay.size() + decay.size();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue().getShape();
            Shape moments = shape;
            if (apollo.contains(name)) {
                long m = shape.get(0);
                long n = shape.get(1);
                boolean right = m >= n;
                rightSide.put(name, right);
                long r = settings.projection() == Projection.SVD ? Math.min(settings.rank(), Math.min(m, n))
                        : settings.rank();
                moments = right ? new Shape(m, r) : new Shape(r, n);
                state.put("apollo_projection." + name, stateManager.zeros(right ? new Shape(r, n) : new Shape(m, r)));
                long seed = index + apollo.indexOf(name) + 1;
                state.put("apollo_seed." + name, stateManager.create(seedChunks(seed)));
                state.put("apollo_scaled_grad_norm." + name, stateManager.create(-1f));
            }
            state.put("exp_avg." + name, stateManager.zeros(moments));
            state.put("exp_avg_sq." + name, stateManager.zeros(moments));
        }
    }

    /** Numbers of optimizer state of one parameter (the projection counted; seeds and norms negligible). */
    public static long stateSize(String name, Shape shape, Settings settings) {
        if (!GaLoreAdamW.isGaLoreMatrix(name, shape, settings.targets())) {
            return 2 * shape.size();
        }
        long r = settings.rank();
        return 2 * r * Math.max(shape.get(0), shape.get(1)) + r * Math.min(shape.get(0), shape.get(1));
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        long iteration = stepCount;
        stepCount++;
        double stepSize = learningRate * Math.sqrt(1.0 - Math.pow(config.beta2(), stepCount))
                / (1.0 - Math.pow(config.beta1(), stepCount));
        try (NDManager scope = stateManager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                String name = e.getKey();
                NDArray p = e.getValue();
                NDArray g = gradient(gradients, name);
                DataType type = p.getDataType();
                Boolean right = rightSide.get(name);
                NDArray projection = right == null ? null : state.get("apollo_projection." + name);
                if (projection != null && iteration % settings.updateInterval() == 0) {
                    if (svd != null) {
                        refreshFromSvd(scope, g, projection, right);
                    } else {
                        refresh(scope, name, projection);
                    }
                }
                NDArray grad = g;
                if (projection != null) {
                    NDArray transposed = projection.transpose();
                    transposed.attach(scope);
                    grad = right ? g.matMul(transposed) : transposed.matMul(g);          // moments' shape
                    grad.attach(scope);
                }
                NDArray m = state.get("exp_avg." + name);
                NDArray v = state.get("exp_avg_sq." + name);
                m.muli(scalar(scope, config.beta1(), type));
                NDArray scaled = grad.mul(scalar(scope, 1.0 - config.beta1(), type));
                scaled.attach(scope);
                m.addi(scaled);
                v.muli(scalar(scope, config.beta2(), type));
                NDArray squared = grad.mul(grad);
                squared.attach(scope);
                squared.muli(scalar(scope, 1.0 - config.beta2(), type));
                v.addi(squared);
                NDArray denom = v.sqrt();
                denom.attach(scope);
                denom.addi(scalar(scope, config.epsilon(), type));
                NDArray update = m.div(denom);                                            // moments' shape
                update.attach(scope);
                if (projection != null) {
                    update = scaledGradient(scope, name, g, grad, update);                // (m, n)
                }
                update.muli(scalar(scope, stepSize, type));
                p.subi(update);
                double decay = projection != null || ParameterGroups.decays(name) ? config.weightDecay() : 0.0;
                if (decay > 0.0) {
                    NDArray shrink = p.mul(scalar(scope, learningRate * decay, type));
                    shrink.attach(scope);
                    p.subi(shrink);
                }
            }
        }
    }

    /** √scale · G scaled by ‖N‖/‖R‖ per channel or tensor, after the norm-growth limiter. */
    private NDArray scaledGradient(NDManager scope, String name, NDArray g, NDArray projected, NDArray normalized) {
        DataType type = g.getDataType();
        boolean wide = g.getShape().get(0) < g.getShape().get(1);
        NDArray factor;
        if (settings.scaleType() == ScaleType.CHANNEL) {
            int axis = wide ? 0 : 1;
            NDArray denominator = projected.norm(new int[] {axis});
            denominator.attach(scope);
            denominator.addi(scalar(scope, 1e-8, type));
            factor = normalized.norm(new int[] {axis}).div(denominator);                 // (n,) or (m,)
            factor.attach(scope);
            if (!wide) {
                factor = factor.expandDims(1);                                           // (m, 1)
                factor.attach(scope);
            }
        } else {
            NDArray denominator = projected.norm();
            denominator.attach(scope);
            denominator.addi(scalar(scope, 1e-8, type));
            factor = normalized.norm().div(denominator);                                  // ()
            factor.attach(scope);
        }
        NDArray update = g.mul(factor);                                                   // (m, n)
        update.attach(scope);
        NDArray previous = state.get("apollo_scaled_grad_norm." + name);
        NDArray norm = update.norm();
        norm.attach(scope);
        float current = norm.getFloat();
        float before = previous.getFloat();
        if (before < 0) {
            previous.set(new float[] {current});
        } else {
            float ratio = current / (before + 1e-8f);
            float limiter = ratio >= 1.01f ? ratio / 1.01f : 1.0f;   // Python's max(ratio, 1.01) / 1.01
            if (limiter != 1.0f) {
                update.divi(scalar(scope, limiter, type));
            }
            previous.set(new float[] {current / limiter});
        }
        update.muli(scalar(scope, Math.sqrt(settings.scale()), type));
        return update;
    }

    /** P from the SVD of G (APOLLO's GaLoreProjector): the first r rows of Vh (right) or columns of U (left). */
    private void refreshFromSvd(NDManager scope, NDArray g, NDArray projection, boolean right) {
        GaLoreAdamW.projectFromSvd(svd, scope, g, projection, right, bf16Projections);
    }

    /** A new random projection from this parameter's seed, which then moves on (APOLLO's update_ortho_matrix). */
    private void refresh(NDManager scope, String name, NDArray projection) {
        NDArray seed = state.get("apollo_seed." + name);
        long current = seedOf(seed.toFloatArray());
        Shape shape = projection.getShape();
        NDArray drawn = random.call(scope, scope.create(current), scope.create(shape.get(0)),
                scope.create(shape.get(1)));                                              // projection's shape
        drawn.divi(scalar(scope, Math.sqrt(settings.rank()), drawn.getDataType()));
        if (bf16Projections) {
            float[] values = drawn.toFloatArray();
            Bf16.roundInPlace(values);                // the reference draws P in the bf16 weight's dtype
            projection.set(values);
        } else {
            projection.set(drawn.toByteBuffer());
        }
        NDArray next = random.call(scope, scope.create(current), scope.create(0L), scope.create(0L));  // ()
        seed.set(seedChunks(next.getLong()));
    }

    /**
     * A 64-bit seed as four 16-bit chunks, low first, each exact in float32: checkpoints store optimizer state as
     * float32, which would round a seed near 2^63 (the seed is state: the next projection depends on it).
     */
    static float[] seedChunks(long seed) {
        float[] chunks = new float[4];
        for (int i = 0; i < 4; i++) {
            chunks[i] = (seed >>> (16 * i)) & 0xFFFF;
        }
        return chunks;
    }

    /** The seed written by {@link #seedChunks}. */
    static long seedOf(float[] chunks) {
        long seed = 0;
        for (int i = 0; i < 4; i++) {
            seed |= ((long) chunks[i] & 0xFFFF) << (16 * i);
        }
        return seed;
    }

    /** The state without the seeds (16-bit chunks that must stay exact): moments, projections, norms. */
    @Override
    public SequencedMap<String, NDArray> valueState() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>(state());
        out.keySet().removeIf(key -> key.startsWith("apollo_seed."));
        return out;
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
        random.close();
        if (svd != null) {
            svd.close();
        }
        stateManager.close();
    }
}
