package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.ScriptedModule;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;

/**
 * BAdam's ratio mode (the official {@code badam.BlockOptimizerRatio} as LLaMA-Factory's {@code use_badam,
 * badam_mode: ratio} builds it): every parameter learns, but each step only a share {@code badam_update_ratio} of its
 * entries, with Adam moments for those entries alone (vectors of {@code int(n·ratio)} numbers: the memory saving).
 * <ul>
 *   <li>The entries: {@code adjacent} takes {@code int(n·ratio)} consecutive flat indices from an offset (wrapping
 *       around); {@code scatter} the same slice of a permutation, {@code torch.randperm(n)} after
 *       {@code torch.random.manual_seed(s)} with the parameter's seed s (drawn once, in parameter order, by
 *       {@code torch.randint(0, 1000, (1,))}; here from a generator seeded with {@code seed}). Both run inside libtorch
 *       ({@code badam_random.pt}), so the permutations are PyTorch's.</li>
 *   <li>Every {@code switchEvery} steps the offset moves on by {@code int(n·ratio)} and the moments restart from zero
 *       (BAdam's {@code switch_every}; LLaMA-Factory does not pass {@code badam_switch_interval} in ratio mode, so it
 *       is BAdam's 100).</li>
 *   <li>BAdam keeps one mask per shape: the first parameter of a shape whose gradient arrives (backward order; here
 *       reverse parameter order) draws it and the others reuse it, except on the last step before a switch, where each
 *       parameter draws its own (BAdam drops the cached mask after each use on that step). Reproduced; it matters for
 *       scatter only, adjacent masks of one shape being equal.</li>
 *   <li>Parameters under {@code preserve_threshold} (100) numbers get {@code 1e-9} added to their gradient (BAdam
 *       makes it sparse that way) and are then masked like the others.</li>
 *   <li>The update is BAdam's sparse Adam: no weight decay whatever {@code weight_decay} says (BAdam's
 *       {@code _sparse_adam} has none), epsilon after √v, bias corrections counted from the last switch.</li>
 *   <li>The first parameter named {@code embed} and the first named {@code lm_head} stay frozen (LLaMA-Factory passes
 *       include_embedding false, BAdam's include_lm_head defaults to false).</li>
 * </ul>
 * The trainer masks the gradients ({@link #prepareGradient}) before clipping, so the clipping norm is that of the
 * selected entries, as the Hugging Face Trainer sees BAdam's sparse gradients. State: {@code exp_avg.<name>} and
 * {@code exp_avg_sq.<name>}, each {@code (int(n·ratio))}; the masks follow from the step count and the seed.
 */
public final class BlockAdamRatio implements ParameterOptimizer {

    /** BAdam's {@code preserve_threshold}: smaller parameters get 1e-9 added to their gradient. */
    static final int PRESERVE_THRESHOLD = 100;
    /** BAdam's {@code switch_every} default, which LLaMA-Factory keeps. */
    public static final int DEFAULT_SWITCH_EVERY = 100;

    /** {@code badam_mask_mode}. */
    public enum MaskMode {
        ADJACENT, SCATTER;

        /** The config name. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code badam_mask_mode}. */
        public static MaskMode fromConfigName(String name) {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        }
    }

    /**
     * BAdam's ratio settings.
     *
     * @param updateRatio {@code badam_update_ratio}: share of each parameter's entries updated per step, (1e-6, 1]
     * @param maskMode    {@code badam_mask_mode}
     * @param switchEvery steps before the masks move on and the moments restart (BAdam: 100)
     * @param seed        seed of the per-parameter scatter seeds
     */
    public record Settings(double updateRatio, MaskMode maskMode, int switchEvery, long seed) {
        public Settings {
            if (!(updateRatio > 1e-6 && updateRatio <= 1.0)) {
                throw new IllegalArgumentException("badam_update_ratio must lie in (1e-6, 1], got " + updateRatio);
            }
            if (switchEvery < 1) {
                throw new IllegalArgumentException("BAdam's switch_every must be >= 1, got " + switchEvery);
            }
        }
    }

    private final AdamWConfig config;
    private final Settings settings;
    private final SequencedMap<String, NDArray> parameters;
    private final NDManager stateManager;
    private final ScriptedModule random;
    private final List<String> trainable;
    private final Map<String, Long> seeds = new HashMap<>();
    private final Map<String, String> maskOwner = new HashMap<>();
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private final Map<String, int[]> masks = new HashMap<>();
    private long masksOfStep = -1;
    private long stepCount;

    /**
     * @param parameters the parameters by stable name, in model order (updated in place)
     * @param config     betas and epsilon (no weight decay: BAdam's sparse Adam has none)
     * @param settings   ratio, mask mode, switch interval, seed
     * @param parent     long-lived manager for the state
     */
    public BlockAdamRatio(SequencedMap<String, NDArray> parameters, AdamWConfig config, Settings settings,
                          NDManager parent) {
        this.config = config;
        this.settings = settings;
        this.parameters = parameters;
        this.stateManager = parent.newSubManager();
        this.random = ScriptedModule.load(stateManager, "badam_random.pt");
        String embedding = parameters.keySet().stream().filter(n -> n.contains("embed")).findFirst().orElse(null);
        String head = parameters.keySet().stream().filter(n -> n.contains("lm_head")).findFirst().orElse(null);
        this.trainable = parameters.keySet().stream().filter(n -> !n.equals(embedding) && !n.equals(head)).toList();
        long[] drawn = draws(settings.seed(), parameters.size(), 0);
        int i = 0;
        for (String name : parameters.keySet()) {
            seeds.put(name, drawn[i++]);
        }
        Map<Shape, String> firstOfShape = new HashMap<>();
        for (String name : trainable.reversed()) {
            Shape shape = parameters.get(name).getShape();
            maskOwner.put(name, firstOfShape.computeIfAbsent(shape, s -> name));
        }
        for (String name : trainable) {
            Shape entries = new Shape(selected(name));
            expAvg.put(name, stateManager.zeros(entries, DataType.FLOAT32));
            expAvgSq.put(name, stateManager.zeros(entries, DataType.FLOAT32));
        }
    }

    /** The number of entries of {@code name} each step updates: {@code int(n · ratio)}. */
    private int selected(String name) {
        long n = parameters.get(name).getShape().size();
        return (int) (n * settings.updateRatio());
    }

    @Override
    public boolean readsGradient(String name) {
        return trainable.contains(name);
    }

    /**
     * BAdam's gradient hook, in place: 1e-9 added below {@link #PRESERVE_THRESHOLD} numbers (or at ratio 1), then
     * every entry outside this step's mask set to zero (the norm the trainer clips by is that of the sparse gradient).
     */
    @Override
    public void prepareGradient(String name, NDArray gradient) {
        if (!trainable.contains(name)) {
            return;
        }
        float[] g = gradient.toFloatArray();
        if (g.length < PRESERVE_THRESHOLD || settings.updateRatio() == 1.0) {
            for (int i = 0; i < g.length; i++) {
                g[i] += 1e-9f;
            }
        }
        float[] masked = new float[g.length];
        for (int index : mask(name)) {
            masked[index] = g[index];
        }
        OptimMath.overwrite(gradient, masked);
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        long period = settings.switchEvery();
        if (stepCount % period == 0) {
            expAvg.values().forEach(a -> OptimMath.overwrite(a, new float[(int) a.size()]));
            expAvgSq.values().forEach(a -> OptimMath.overwrite(a, new float[(int) a.size()]));
        }
        long stepInPeriod = stepCount % period + 1;
        double biasCorrection1 = 1 - Math.pow(config.beta1(), stepInPeriod);
        double biasCorrection2 = 1 - Math.pow(config.beta2(), stepInPeriod);
        double stepSize = learningRate * Math.sqrt(biasCorrection2) / biasCorrection1;
        for (String name : trainable) {
            int[] indices = mask(name);
            if (indices.length == 0) {
                continue;
            }
            update(parameters.get(name), OptimMath.gradient(gradients, name), indices, expAvg.get(name),
                    expAvgSq.get(name), (float) -stepSize);
        }
        stepCount++;
    }

    /** BAdam's {@code _sparse_adam} on the masked entries (float32, PyTorch's operation order). */
    private void update(NDArray param, NDArray grad, int[] indices, NDArray expAvgArray, NDArray expAvgSqArray,
                        float negativeStepSize) {
        float[] g = grad.toFloatArray();
        float[] p = param.toFloatArray();
        float[] m = expAvgArray.toFloatArray();
        float[] v = expAvgSqArray.toFloatArray();
        float oneMinusBeta1 = (float) (1 - config.beta1());
        float oneMinusBeta2 = (float) (1 - config.beta2());
        float eps = (float) config.epsilon();
        for (int j = 0; j < indices.length; j++) {
            float value = g[indices[j]];
            m[j] = m[j] + (value - m[j]) * oneMinusBeta1;                 // exp_avg.add_(g.sub(m).mul_(1 - b1))
            v[j] = v[j] + (value * value - v[j]) * oneMinusBeta2;         // exp_avg_sq.add_(g².sub_(v).mul_(1 - b2))
            float direction = m[j] / ((float) Math.sqrt(v[j]) + eps);     // numer / (√v + eps)
            p[indices[j]] = p[indices[j]] + negativeStepSize * direction; // param.add_(−step_size · direction)
        }
        OptimMath.overwrite(param, p);
        OptimMath.overwrite(expAvgArray, m);
        OptimMath.overwrite(expAvgSqArray, v);
    }

    /** The sorted flat indices {@code name} updates at the current step (BAdam's mask, coalesced). */
    int[] mask(String name) {
        if (masksOfStep != stepCount) {
            masks.clear();
            masksOfStep = stepCount;
        }
        return masks.computeIfAbsent(name, this::drawMask);
    }

    private int[] drawMask(String name) {
        long n = parameters.get(name).getShape().size();
        int k = selected(name);
        if (settings.updateRatio() == 1.0) {
            int[] all = new int[(int) n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        long period = settings.switchEvery();
        boolean lastOfPeriod = (stepCount + 1) % period == 0;
        String owner = lastOfPeriod ? name : maskOwner.get(name);
        int offset = (int) ((stepCount / period) * k % n);
        int[] indices = new int[k];
        if (settings.maskMode() == MaskMode.ADJACENT) {
            for (int j = 0; j < k; j++) {
                indices[j] = (int) ((offset + j) % n);
            }
        } else {
            long[] permutation = draws(seeds.get(owner), n, 1);
            for (int j = 0; j < k; j++) {
                indices[j] = (int) permutation[(int) ((offset + j) % n)];
            }
        }
        Arrays.sort(indices);
        return indices;
    }

    /** {@code badam_random.pt}: mode 0, n seeds {@code randint(0, 1000)}; mode 1, {@code randperm(n)}. */
    private long[] draws(long seed, long n, long mode) {
        try (NDManager scope = stateManager.newSubManager()) {
            NDArray out = random.call(scope, scope.create(seed), scope.create(n), scope.create(mode));  // (n)
            return out.toLongArray();
        }
    }

    @Override
    public long stepCount() {
        return stepCount;
    }

    @Override
    public SequencedMap<String, NDArray> state() {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        for (String name : trainable) {
            out.put("exp_avg." + name, expAvg.get(name));
            out.put("exp_avg_sq." + name, expAvgSq.get(name));
        }
        return out;
    }

    @Override
    public void restore(Map<String, NDArray> state, long restoredStepCount) {
        for (String name : trainable) {
            ParameterOptimizer.copyInto(expAvg.get(name), state.get("exp_avg." + name), "exp_avg." + name);
            ParameterOptimizer.copyInto(expAvgSq.get(name), state.get("exp_avg_sq." + name), "exp_avg_sq." + name);
        }
        stepCount = restoredStepCount;
        masksOfStep = -1;
    }

    @Override
    public void close() {
        random.close();
        stateManager.close();
    }
}
