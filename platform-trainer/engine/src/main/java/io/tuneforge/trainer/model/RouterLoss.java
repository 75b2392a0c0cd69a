package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * The load-balancing auxiliary loss of a mixture of experts (Switch Transformer, eqs. 4–6), as transformers 5.18's
 * {@code load_balancing_loss_func} computes it over the router logits of every sparse layer, pooled:
 * <pre>
 *   p_l       = softmax(logits_l)                               (N, E) per layer l
 *   f_e       = Σ_l Σ_n m_n · [e ∈ topk(p_l[n], k)] / R         tokens routed to e (each token counts k times overall)
 *   P_e       = Σ_l Σ_n m_n · p_l[n, e] / R                     mean router probability of e
 *   R         = L · Σ_n m_n                                     rows over all layers (m the real-token mask)
 *   aux       = E · Σ_e f_e · P_e
 * </pre>
 * The gradient flows through P only (the top-k choice is not differentiable). transformers adds
 * {@code router_aux_loss_coef · aux} to the language-model loss when {@code output_router_logits} is set.
 */
public final class RouterLoss {

    private RouterLoss() {
    }

    /**
     * @param logits    per sparse layer, the router logits (N, E) of the same N tokens
     * @param tokenMask (N) 1 for real tokens, 0 for padding, or null when every token is real
     * @return () the auxiliary loss in {@code step}
     */
    public static NDArray loadBalancing(NDManager step, List<NDArray> logits, int numExperts, int topK,
                                        NDArray tokenMask) {
        if (logits.isEmpty()) {
            throw new IllegalArgumentException("no router logits: the model has no sparse layer");
        }
        long n = logits.getFirst().getShape().get(0);
        NDArray mask = tokenMask != null ? tokenMask.toType(DataType.FLOAT32, false).reshape(new Shape(n, 1))
                : step.ones(new Shape(n, 1));                                               // (N, 1)
        mask.attach(step);
        NDArray routed = step.zeros(new Shape(numExperts));                                 // (E)
        NDArray probability = step.zeros(new Shape(numExperts));                            // (E)
        for (NDArray layer : logits) {
            NDArray p = own(step, layer.softmax(-1));                                       // (N, E)
            NDArray chosen = own(step, p.topK(topK, -1, true, true).get(1));                // (N, k)
            NDArray hits = own(step, chosen.oneHot(numExperts, DataType.FLOAT32)
                    .sum(new int[] {1}));                                                   // (N, E)
            routed = own(step, routed.add(hits.mul(mask).sum(new int[] {0})));              // (E)
            probability = own(step, probability.add(p.mul(mask).sum(new int[] {0})));       // (E)
        }
        NDArray rows = own(step, mask.sum().mul(logits.size()));                            // ()
        NDArray f = own(step, routed.div(rows));                                            // (E)
        NDArray meanP = own(step, probability.div(rows));                                   // (E)
        return own(step, f.mul(meanP).sum().mul(numExperts));                               // ()
    }
}
