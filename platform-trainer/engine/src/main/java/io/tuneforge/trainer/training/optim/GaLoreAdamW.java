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

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * GaLore (Zhao et al. 2024) exactly as the official {@code galore_torch.AdamW} with LLaMA-Factory's groups
 * ({@code _create_galore_optimizer}, {@code galore_proj_type: std}). Each GaLore matrix G (m, n) is updated in a
 * rank-r subspace refreshed every {@code galore_update_interval} steps (at steps 0, T, 2T, ... counted before the
 * update) from the SVD of the current gradient:
 * <pre>
 *   m ≥ n: P = Vh[:r]  (r, n);  R = G·Pᵀ (m, r);  back: N·P        m &lt; n: P = U[:, :r] (m, r);  R = Pᵀ·G (r, n);  back: P·N
 *   exp_avg = β1·exp_avg + (1−β1)·R;  exp_avg_sq = β2·exp_avg_sq + (1−β2)·R²      (moments of the projected gradient)
 *   N = exp_avg / (√exp_avg_sq + eps)                                              (eps before the bias correction)
 *   W −= lr·√(1−β2^t)/(1−β1^t) · scale · back(N);   then W −= lr·wd·W            (decay after the update)
 * </pre>
 * Every other parameter takes the same update without projection (GaLore's AdamW is transformers' old AdamW, not
 * PyTorch's); weight decay on GaLore matrices always, on the others by Hugging Face's rule (not biases or norms).
 * The SVD is libtorch's ({@code galore_svd.pt}); singular vectors are unique only up to sign, so a libtorch other than
 * the reference's may flip a column, which leaves the first period's updates unchanged (the sign cancels in P·N) but
 * not the moments carried across a refresh. State: {@code exp_avg/exp_avg_sq.<name>} (projected shapes for GaLore
 * matrices) and {@code galore_projection.<name>}.
 */
public final class GaLoreAdamW implements ParameterOptimizer {

    /**
     * GaLore's settings.
     *
     * @param rank           {@code galore_rank}: rank of the projected gradient (capped at min(m, n))
     * @param updateInterval {@code galore_update_interval}: steps between projection refreshes
     * @param scale          {@code galore_scale}: factor on the projected-back update
     * @param targets        {@code galore_target}: module-name substrings, or {@code all} for every linear layer
     * @param layerwise      {@code galore_layerwise}: per-parameter updates inside backward in LLaMA-Factory, so the
     *                       gradients are never clipped (TuneForge reproduces that) and accumulation must be 1
     */
    public record Settings(int rank, int updateInterval, double scale, List<String> targets, boolean layerwise) {
        public Settings {
            if (rank < 1 || updateInterval < 1 || !(scale > 0) || targets.isEmpty()) {
                throw new IllegalArgumentException("GaLore needs rank >= 1, update interval >= 1, scale > 0 and a "
                        + "target, got " + rank + ", " + updateInterval + ", " + scale + ", " + targets);
            }
            targets = List.copyOf(targets);
        }
    }

    private final SequencedMap<String, NDArray> parameters;
    private final AdamWConfig config;
    private final Settings settings;
    private final NDManager stateManager;
    private final ScriptedModule svd;
    private final boolean bf16Projections;
    private final Map<String, Boolean> rightSide = new LinkedHashMap<>();
    private final SequencedMap<String, NDArray> state = new LinkedHashMap<>();
    private long stepCount;

    /**
     * @param parameters trainable parameters by stable name (updated in place)
     * @param config     betas, epsilon, weight decay
     * @param settings   GaLore's rank, interval, scale and targets
     * @param parent     long-lived manager for the state
     */
    public GaLoreAdamW(SequencedMap<String, NDArray> parameters, AdamWConfig config, Settings settings,
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
    public GaLoreAdamW(SequencedMap<String, NDArray> parameters, AdamWConfig config, Settings settings,
                       NDManager parent, boolean bf16Projections) {
        this.bf16Projections = bf16Projections;
        this.parameters = parameters;
        this.config = config;
        this.settings = settings;
        this.stateManager = parent.newSubManager();
        this.svd = ScriptedModule.load(stateManager, "galore_svd.pt");
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue().getShape();
            Shape moments = shape;
            if (isGaLoreMatrix(name, shape, settings.targets())) {
                long m = shape.get(0);
                long n = shape.get(1);
                long r = Math.min(settings.rank(), Math.min(m, n));
                boolean right = m >= n;
                rightSide.put(name, right);
                moments = right ? new Shape(m, r) : new Shape(r, n);
                state.put("galore_projection." + name, stateManager.zeros(right ? new Shape(r, n) : new Shape(m, r)));
            }
            state.put("exp_avg." + name, stateManager.zeros(moments));
            state.put("exp_avg_sq." + name, stateManager.zeros(moments));
        }
    }

    /**
     * LLaMA-Factory's choice: a 2-D weight of a linear layer (not the embedding or the LM head) whose module name
     * contains one of the targets ({@code all}: every linear layer).
     */
    public static boolean isGaLoreMatrix(String name, Shape shape, List<String> targets) {
        if (shape.dimension() != 2 || !name.endsWith(".weight") || name.contains("embed_tokens")
                || name.contains("lm_head")) {
            return false;
        }
        String module = name.substring(0, name.length() - ".weight".length());
        return targets.equals(List.of("all")) || targets.stream().anyMatch(module::contains);
    }

    /** Numbers of optimizer state of one parameter: two projected moments plus the projection, or two moments. */
    public static long stateSize(String name, Shape shape, Settings settings) {
        if (!isGaLoreMatrix(name, shape, settings.targets())) {
            return 2 * shape.size();
        }
        long m = shape.get(0);
        long n = shape.get(1);
        long r = Math.min(settings.rank(), Math.min(m, n));
        return 2 * r * Math.max(m, n) + r * Math.min(m, n);
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        long iteration = stepCount;   // GaLore refreshes at state["step"] % interval == 0, before the increment
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
                NDArray projection = right == null ? null : state.get("galore_projection." + name);
                if (projection != null && iteration % settings.updateInterval() == 0) {
                    refresh(scope, g, projection, right);
                }
                NDArray grad = projection == null ? g : project(scope, g, projection, right);  // moments' shape
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
                NDArray normalized = m.div(denom);                                   // moments' shape
                normalized.attach(scope);
                if (projection != null) {
                    normalized = projectBack(scope, normalized, projection);         // (m, n)
                    normalized.muli(scalar(scope, settings.scale(), type));
                }
                normalized.muli(scalar(scope, stepSize, type));
                p.subi(normalized);
                double decay = projection != null || ParameterGroups.decays(name) ? config.weightDecay() : 0.0;
                if (decay > 0.0) {
                    NDArray shrink = p.mul(scalar(scope, learningRate * decay, type));
                    shrink.attach(scope);
                    p.subi(shrink);
                }
            }
        }
    }

    /** P from the SVD of G: the first r rows of Vh (right) or columns of U (left). */
    private void refresh(NDManager scope, NDArray g, NDArray projection, boolean right) {
        projectFromSvd(svd, scope, g, projection, right, bf16Projections);
    }

    /**
     * Overwrites {@code projection} with the top singular vectors of {@code g} (GaLore's and APOLLO's
     * {@code GaLoreProjector}): the first r rows of Vh (right) or columns of U (left), rounded to bf16 when
     * {@code bf16} (pure_bf16: the reference computes them in the weight's dtype).
     */
    static void projectFromSvd(ScriptedModule svd, NDManager scope, NDArray g, NDArray projection, boolean right,
                               boolean bf16) {
        NDArray factor = svd.call(scope, g, scope.create(right ? 1L : 0L));      // Vh (k, n) or U (m, k)
        long r = right ? projection.getShape().get(0) : projection.getShape().get(1);
        NDArray top = right ? factor.get(new NDIndex(":{}", r)) : factor.get(new NDIndex(":, :{}", r));
        top.attach(scope);
        NDArray contiguous = top.duplicate();
        contiguous.attach(scope);
        if (bf16) {
            float[] values = contiguous.toFloatArray();
            Bf16.roundInPlace(values);
            projection.set(values);
        } else {
            projection.set(contiguous.toByteBuffer());
        }
    }

    /** R = G·Pᵀ (right) or Pᵀ·G (left), in {@code scope}. */
    private static NDArray project(NDManager scope, NDArray g, NDArray projection, boolean right) {
        NDArray transposed = projection.transpose();
        transposed.attach(scope);
        NDArray low = right ? g.matMul(transposed) : transposed.matMul(g);
        low.attach(scope);
        return low;
    }

    /** GaLore decides by the low-rank shape: rows ≥ columns → N·P, else P·N (in {@code scope}). */
    private static NDArray projectBack(NDManager scope, NDArray low, NDArray projection) {
        NDArray full = low.getShape().get(0) >= low.getShape().get(1) ? low.matMul(projection)
                : projection.matMul(low);
        full.attach(scope);
        return full;
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
        svd.close();
        stateManager.close();
    }
}
