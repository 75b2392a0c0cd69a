package io.tuneforge.trainer.training;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Running means, over the micro-batches of a logging window, of a mixture of experts' routing metrics:
 * <ul>
 *   <li>{@code moe/aux_loss}: the load-balancing auxiliary loss (before its coefficient);</li>
 *   <li>{@code moe/expert_load/layer_N}: layer N's imbalance, the busiest expert's share of the routed slots × E
 *       (1 = perfectly balanced, E = one expert takes everything);</li>
 *   <li>{@code moe/expert_load/layer_N/expert_E}: each expert's share of layer N's routed slots, written only for
 *       models with at most {@link #PER_EXPERT_LIMIT} experts so that a 128-expert model's log stays small.</li>
 * </ul>
 * Empty for a dense model.
 */
final class ExpertLoadMetrics {

    /** Per-expert shares are logged for models with at most this many experts per layer. */
    static final int PER_EXPERT_LIMIT = 16;

    private final Map<String, Double> sums = new LinkedHashMap<>();
    private long micros;
    private double auxSum;
    private long auxCount;

    /** Adds one micro-batch's expert shares ({@code moe/expert_load/layer_N/expert_E} → share, from the model). */
    void add(SequencedMap<String, Double> shares) {
        if (shares.isEmpty()) {
            return;
        }
        Map<String, Double> layerMax = new LinkedHashMap<>();
        Map<String, Integer> layerExperts = new LinkedHashMap<>();
        shares.forEach((name, share) -> {
            String layer = name.substring(0, name.lastIndexOf('/'));
            layerMax.merge(layer, share, Math::max);
            layerExperts.merge(layer, 1, Integer::sum);
        });
        layerMax.forEach((layer, max) -> sums.merge(layer, max * layerExperts.get(layer), Double::sum));
        if (layerExperts.values().stream().allMatch(n -> n <= PER_EXPERT_LIMIT)) {
            shares.forEach((name, share) -> sums.merge(name, share, Double::sum));
        }
        micros++;
    }

    /** Adds one micro-batch's auxiliary loss value. */
    void addAuxLoss(double value) {
        auxSum += value;
        auxCount++;
    }

    /** Adds another accumulator's sums. */
    void add(ExpertLoadMetrics other) {
        other.sums.forEach((k, v) -> sums.merge(k, v, Double::sum));
        micros += other.micros;
        auxSum += other.auxSum;
        auxCount += other.auxCount;
    }

    /** The means by metric name; empty when nothing was added. */
    Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (auxCount > 0) {
            out.put("moe/aux_loss", auxSum / auxCount);
        }
        sums.forEach((k, v) -> out.put(k, v / micros));
        return out;
    }
}
