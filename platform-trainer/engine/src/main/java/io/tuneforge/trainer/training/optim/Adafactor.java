package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Adafactor (Shazeer &amp; Stern, 2018) exactly as transformers' {@code Adafactor} with the arguments the Hugging
 * Face Trainer passes for {@code optim: adafactor} ({@code scale_parameter=False, relative_step=False}, so the
 * scheduled learning rate is used as is; no first moment; eps (1e-30, 1e-3); clip threshold 1; decay rate -0.8):
 * <pre>
 *   t += 1;  beta2t = 1 - t^-0.8;  u = g² + 1e-30
 *   matrix (R, C):  row = beta2t·row + (1-beta2t)·mean_C(u)     (R,)
 *                   col = beta2t·col + (1-beta2t)·mean_R(u)     (C,)
 *                   update = g / sqrt(row / mean(row) ⊗ col)    (R, C): the second moment as a rank-1 factorisation
 *   vector:         v = beta2t·v + (1-beta2t)·u;  update = g / sqrt(v)
 *   update /= max(1, rms(update) / 1);  update *= lr
 *   p -= lr·wd·p;  p -= update
 * </pre>
 * A matrix keeps R + C state numbers instead of AdamW's 2·R·C: the memory saving of this optimizer.
 */
public final class Adafactor implements ParameterOptimizer {

    private static final double EPS1 = 1e-30;
    private static final double DECAY_RATE = -0.8;
    private static final double CLIP_THRESHOLD = 1.0;

    private final SequencedMap<String, NDArray> parameters;
    private final Map<String, ParameterGroups.Settings> settings = new LinkedHashMap<>();
    private final NDManager stateManager;
    private final SequencedMap<String, NDArray> state = new LinkedHashMap<>();
    private long stepCount;

    /**
     * @param parameters the trainable parameters by stable name (updated in place)
     * @param groups     per-parameter learning-rate scale and weight decay
     * @param parent     a long-lived manager under which the factored moments are allocated
     */
    public Adafactor(SequencedMap<String, NDArray> parameters, ParameterGroups groups, NDManager parent) {
        this.parameters = parameters;
        this.stateManager = parent.newSubManager();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            Shape shape = e.getValue().getShape();
            settings.put(e.getKey(), groups.settings(e.getKey(), shape.dimension()));
            if (factored(shape)) {
                state.put(rowKey(e.getKey()), stateManager.zeros(shape.slice(0, shape.dimension() - 1)));
                Shape col = shape.slice(0, shape.dimension() - 2).addAll(shape.slice(shape.dimension() - 1));
                state.put(colKey(e.getKey()), stateManager.zeros(col));
            } else {
                state.put(vectorKey(e.getKey()), stateManager.zeros(shape));
            }
        }
    }

    /** Whether a parameter of this shape keeps a factored (row, column) second moment: 2 or more dimensions. */
    public static boolean factored(Shape shape) {
        return shape.dimension() >= 2;
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        stepCount++;
        double beta2t = 1.0 - Math.pow(stepCount, DECAY_RATE);
        try (NDManager scope = stateManager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray g = gradients.get(e.getKey());
                if (g == null) {
                    throw new IllegalStateException("No gradient for trainable parameter " + e.getKey());
                }
                ParameterGroups.Settings group = settings.get(e.getKey());
                update(scope, e.getKey(), e.getValue(), g, beta2t, learningRate * group.learningRateScale(),
                        group.weightDecay());
            }
        }
    }

    private void update(NDManager scope, String name, NDArray p, NDArray g, double beta2t, double lr, double wd) {
        NDArray u = own(scope, g.mul(g).add(scalar(scope, EPS1, p)));                      // like p
        NDArray update;
        int last = p.getShape().dimension() - 1;
        if (factored(p.getShape())) {
            NDArray row = state.get(rowKey(name));                                           // (..., R)
            NDArray col = state.get(colKey(name));                                           // (..., C)
            movingAverage(scope, row, own(scope, u.mean(new int[] {last})), beta2t, p);
            movingAverage(scope, col, own(scope, u.mean(new int[] {last - 1})), beta2t, p);
            NDArray rowShare = own(scope, row.div(own(scope, row.mean(new int[] {last - 1}, true))));  // (..., R)
            NDArray second = own(scope, rowShare.expandDims(last).mul(col.expandDims(last - 1)));      // like p
            update = own(scope, g.div(own(scope, second.sqrt())));
        } else {
            NDArray v = state.get(vectorKey(name));
            movingAverage(scope, v, u, beta2t, p);
            update = own(scope, g.div(own(scope, v.sqrt())));
        }
        double rms = rms(update);
        double clip = Math.max(1.0, rms / CLIP_THRESHOLD);
        update = own(scope, update.mul(scalar(scope, lr / clip, p)));
        if (wd != 0.0) {
            p.subi(own(scope, p.mul(scalar(scope, wd * lr, p))));
        }
        p.subi(update);
    }

    /** {@code average = beta2t·average + (1-beta2t)·value}, in place. */
    private static void movingAverage(NDManager scope, NDArray average, NDArray value, double beta2t, NDArray like) {
        average.muli(scalar(scope, beta2t, like));
        average.addi(own(scope, value.mul(scalar(scope, 1.0 - beta2t, like))));
    }

    private static double rms(NDArray x) {
        try (NDArray norm = x.norm()) {
            return norm.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble() / Math.sqrt(x.size());
        }
    }

    private static NDArray own(NDManager scope, NDArray array) {
        array.attach(scope);
        return array;
    }

    private static NDArray scalar(NDManager scope, double value, NDArray like) {
        return scope.full(new Shape(), (float) value, like.getDataType());
    }

    private static String rowKey(String name) {
        return "exp_avg_sq_row." + name;
    }

    private static String colKey(String name) {
        return "exp_avg_sq_col." + name;
    }

    private static String vectorKey(String name) {
        return "exp_avg_sq." + name;
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
    public void restore(Map<String, NDArray> restored, long restoredStepCount) {
        state.forEach((key, target) -> ParameterOptimizer.copyInto(target, restored.get(key), key));
        this.stepCount = restoredStepCount;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
