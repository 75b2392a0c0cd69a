package io.tuneforge.trainer.model;

import static io.tuneforge.trainer.model.Owned.own;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.List;

/**
 * A sparse mixture-of-experts feed-forward block, as transformers 5.18's {@code MixtralSparseMoeBlock},
 * {@code Qwen2MoeSparseMoeBlock} and {@code Qwen3MoeSparseMoeBlock} compute it:
 * <pre>
 *   logits  = router(x)                       (N, E)   N = B·T tokens
 *   p       = softmax(logits)                 (N, E)
 *   w, sel  = topk(p, k)                      (N, k)   w /= Σw when the family renormalises (Mixtral; Qwen: norm_topk_prob)
 *   y[n]    = Σ_j w[n, j] · expert_sel[n, j](x[n])      each expert a SwiGLU MLP over the tokens routed to it
 *   y      += sigmoid(shared_gate(x)) · shared(x)      Qwen2-MoE's shared expert
 * </pre>
 * Each expert runs once over the rows routed to it (gathered by index); the outputs, concatenated expert by expert,
 * are put back in (token, slot) order by one gather, weighted and summed over the k slots, so every step is
 * differentiable (routing indices are not, as in transformers). The router logits and per-expert token counts of the
 * last forward are kept for the auxiliary loss and the load metrics ({@link #lastRouting()}).
 */
public final class SparseMoe implements FeedForward {

    private final Linear router;             // (E, C)
    private final List<Mlp> experts;         // E SwiGLU experts of width Ie
    private final Mlp shared;                // Qwen2-MoE's shared expert, else null
    private final Linear sharedGate;         // (1, C) Qwen2-MoE's shared expert gate, else null
    private final int topK;
    private final boolean normaliseTopK;
    private Routing lastRouting;

    /**
     * What the router did in the last forward.
     *
     * @param logits (N, E) router logits in the forward's step manager (valid until it closes)
     * @param tokensPerExpert how many of the N tokens chose each expert among their k
     */
    public record Routing(NDArray logits, long[] tokensPerExpert) {
    }

    SparseMoe(Linear router, List<Mlp> experts, Mlp shared, Linear sharedGate, int topK, boolean normaliseTopK) {
        if ((shared == null) != (sharedGate == null)) {
            throw new IllegalArgumentException("a shared expert needs its gate and the other way round");
        }
        this.router = router;
        this.experts = List.copyOf(experts);
        this.shared = shared;
        this.sharedGate = sharedGate;
        this.topK = topK;
        this.normaliseTopK = normaliseTopK;
    }

    /** The routing of the last forward, or null before the first. */
    public Routing lastRouting() {
        return lastRouting;
    }

    /** Number of routed experts E. */
    public int numExperts() {
        return experts.size();
    }

    /** Router, then each expert's gate, up, down, then the shared expert and its gate: the checkpoint's order. */
    @Override
    public Linear[] linears() {
        List<Linear> all = new ArrayList<>();
        all.add(router);
        experts.forEach(e -> all.addAll(List.of(e.linears())));
        if (shared != null) {
            all.addAll(List.of(shared.linears()));
            all.add(sharedGate);
        }
        return all.toArray(Linear[]::new);
    }

    @Override
    public NDArray forward(NDManager step, NDArray x, boolean training) {
        Shape shape = x.getShape();                                                         // (B, T, C)
        long c = shape.get(shape.dimension() - 1);
        NDArray flat = own(step, x.reshape(new Shape(-1, c)));                              // (N, C)
        int n = (int) flat.getShape().get(0);
        NDArray logits = router.forward(step, flat, training);                              // (N, E)
        NDArray probs = own(step, logits.softmax(-1));                                      // (N, E)
        NDList top = probs.topK(topK, -1, true, true);
        NDArray weights = own(step, top.get(0));                                            // (N, k)
        NDArray chosen = own(step, top.get(1));                                             // (N, k) int64
        if (normaliseTopK) {
            weights = own(step, weights.div(weights.sum(new int[] {-1}, true)));           // (N, k)
        }
        long[] picks = chosen.toLongArray();                                               // N·k, (token, slot) order
        long[] load = new long[experts.size()];
        int[] rowOf = new int[picks.length];           // row of (token, slot) in the expert-grouped outputs
        NDList outputs = new NDList();
        int row = 0;
        for (int e = 0; e < experts.size(); e++) {
            List<Long> tokens = new ArrayList<>();
            for (int p = 0; p < picks.length; p++) {
                if (picks[p] == e) {
                    tokens.add((long) (p / topK));
                    rowOf[p] = row++;
                }
            }
            load[e] = tokens.size();
            if (tokens.isEmpty()) {
                continue;
            }
            NDArray index = step.create(tokens.stream().mapToLong(Long::longValue).toArray());   // (n_e)
            NDArray routed = own(step, flat.get(new NDIndex("{}", index)));                  // (n_e, C)
            outputs.add(experts.get(e).forward(step, routed, training));                     // (n_e, C)
        }
        NDArray grouped = own(step, NDArrays.concat(outputs, 0));                           // (N·k, C)
        NDArray order = step.create(java.util.Arrays.stream(rowOf).asLongStream().toArray()); // (N·k)
        NDArray perSlot = own(step, grouped.get(new NDIndex("{}", order)));                 // (N·k, C)
        NDArray mixed = own(step, perSlot.reshape(new Shape(n, topK, c))
                .mul(weights.expandDims(2)).sum(new int[] {1}));                            // (N, C)
        if (shared != null) {
            NDArray gate = own(step, Activation.sigmoid(sharedGate.forward(step, flat, training))); // (N, 1)
            mixed = own(step, mixed.add(gate.mul(shared.forward(step, flat, training))));   // (N, C)
        }
        lastRouting = new Routing(logits, load);
        return own(step, mixed.reshape(shape));                                             // (B, T, C)
    }
}
