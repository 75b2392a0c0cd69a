package io.tuneforge.trainer.training.optim;

import static io.tuneforge.trainer.training.optim.OptimMath.gradient;
import static io.tuneforge.trainer.training.optim.OptimMath.lerpInPlace;
import static io.tuneforge.trainer.training.optim.OptimMath.scalar;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.ScriptedModule;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Muon as LLaMA-Factory runs it ({@code use_muon}; {@code third_party/muon/muon.py}, after Moonshot's Moonlight and
 * Keller Jordan's Muon), with LLaMA-Factory's split: every 2-D parameter whose name contains neither {@code embed}
 * nor {@code lm_head} is a Muon parameter, the rest use the optimizer's internal AdamW.
 * <pre>
 *   Muon (momentum 0.95, Nesterov, 5 Newton-Schulz steps), W (A, B):
 *     buf = 0.95·buf + g;   g' = g + 0.95·buf
 *     u   = NewtonSchulz5(g')                      (≈ the orthogonal factor U·Vᵀ of g', iterated in bfloat16)
 *     W  *= 1 − lr·wd;   W −= lr·0.2·√max(A, B) · u
 *   internal AdamW (betas and eps from adam_beta1/2, adam_epsilon; eps BEFORE the bias correction):
 *     m.lerp_(g, 1−β1);  v.lerp_(g², 1−β2)
 *     p *= 1 − lr·wd;    p −= lr·√(1−β2^t)/(1−β1^t) · m / (eps + √v)
 * </pre>
 * Weight decay applies to every parameter (LLaMA-Factory gives Muon one group). The Newton-Schulz iteration runs in
 * libtorch ({@code muon_newton_schulz.pt}, bfloat16 exactly as the reference; DJL cannot hold bfloat16 itself).
 * State: {@code momentum_buffer.<name>} for Muon parameters, {@code moment1/moment2.<name>} for the others.
 */
public final class Muon implements ParameterOptimizer {

    /** SGD momentum of the Muon parameters (LLaMA-Factory's default). */
    static final double MOMENTUM = 0.95;
    /** Newton-Schulz iterations (LLaMA-Factory's default). */
    static final int NEWTON_SCHULZ_STEPS = 5;

    private final SequencedMap<String, NDArray> parameters;
    private final AdamWConfig config;
    private final NDManager stateManager;
    private final ScriptedModule newtonSchulz;
    private final SequencedMap<String, NDArray> state = new LinkedHashMap<>();
    private long stepCount;

    /**
     * @param parameters trainable parameters by stable name (updated in place)
     * @param config     the internal AdamW's betas and epsilon, and the weight decay of every parameter
     * @param parent     long-lived manager for the state
     */
    public Muon(SequencedMap<String, NDArray> parameters, AdamWConfig config, NDManager parent) {
        this.parameters = parameters;
        this.config = config;
        this.stateManager = parent.newSubManager();
        this.newtonSchulz = ScriptedModule.load(stateManager, "muon_newton_schulz.pt");
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            Shape shape = e.getValue().getShape();
            if (usesMuon(e.getKey(), shape)) {
                state.put("momentum_buffer." + e.getKey(), stateManager.zeros(shape));
            } else {
                state.put("moment1." + e.getKey(), stateManager.zeros(shape));
                state.put("moment2." + e.getKey(), stateManager.zeros(shape));
            }
        }
    }

    /** LLaMA-Factory's split: 2-D, and neither an embedding nor the LM head. */
    public static boolean usesMuon(String name, Shape shape) {
        return shape.dimension() == 2 && !name.contains("embed") && !name.contains("lm_head");
    }

    @Override
    public void step(Map<String, NDArray> gradients, double learningRate) {
        stepCount++;
        try (NDManager scope = stateManager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = gradient(gradients, e.getKey());
                NDArray buffer = state.get("momentum_buffer." + e.getKey());
                if (buffer != null) {
                    muonUpdate(scope, p, g, buffer, learningRate);
                } else {
                    adamUpdate(scope, p, g, state.get("moment1." + e.getKey()), state.get("moment2." + e.getKey()),
                            learningRate);
                }
            }
        }
    }

    private void muonUpdate(NDManager scope, NDArray p, NDArray g, NDArray buffer, double lr) {
        DataType type = p.getDataType();
        buffer.muli(scalar(scope, MOMENTUM, type));
        buffer.addi(g);
        NDArray scaled = buffer.mul(scalar(scope, MOMENTUM, type));                   // (A, B)
        scaled.attach(scope);
        NDArray nesterov = g.add(scaled);                                              // (A, B)
        nesterov.attach(scope);
        NDArray u = newtonSchulz.call(scope, nesterov, scope.create((long) NEWTON_SCHULZ_STEPS));  // (A, B)
        Shape shape = p.getShape();
        double adjustedLr = lr * 0.2 * Math.sqrt(Math.max(shape.get(0), shape.get(1)));
        p.muli(scalar(scope, 1.0 - lr * config.weightDecay(), type));
        NDArray delta = u.mul(scalar(scope, adjustedLr, type));
        delta.attach(scope);
        p.subi(delta);
    }

    private void adamUpdate(NDManager scope, NDArray p, NDArray g, NDArray m, NDArray v, double lr) {
        DataType type = p.getDataType();
        lerpInPlace(scope, m, g, 1.0 - config.beta1());
        NDArray squared = g.square();
        squared.attach(scope);
        lerpInPlace(scope, v, squared, 1.0 - config.beta2());
        NDArray denom = v.sqrt();
        denom.attach(scope);
        denom.addi(scalar(scope, config.epsilon(), type));
        NDArray direction = m.div(denom);
        direction.attach(scope);
        double scale = (1.0 - Math.pow(config.beta1(), stepCount)) / Math.sqrt(1.0 - Math.pow(config.beta2(), stepCount));
        p.muli(scalar(scope, 1.0 - lr * config.weightDecay(), type));
        NDArray delta = direction.mul(scalar(scope, lr / scale, type));
        delta.attach(scope);
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
        newtonSchulz.close();
        stateManager.close();
    }
}
