package io.tuneforge.trainer.model.bottleneck;

import java.util.Locale;

/**
 * Bottleneck adapters (Houlsby et al., 2019; Pfeiffer et al., 2020) with AdapterHub's names: in each decoder layer a
 * small residual MLP {@code z + up(f(down(z)))} on a sub-layer's output, C → C/reduction_factor → C.
 *
 * @param reductionFactor adapter_reduction_factor: the bottleneck is hidden_size / this (at least 1 unit)
 * @param placement       adapter_placement: houlsby (after attention and after the MLP) or pfeiffer (after the MLP)
 * @param nonLinearity    adapter_non_linearity: f, relu, gelu (exact, erf), swish (SiLU) or tanh
 */
public record BottleneckConfig(double reductionFactor, Placement placement, NonLinearity nonLinearity) {

    public BottleneckConfig {
        if (!(reductionFactor >= 1) || !Double.isFinite(reductionFactor)) {
            throw new IllegalArgumentException("adapter_reduction_factor must be a number >= 1, got " + reductionFactor);
        }
    }

    /** The bottleneck width for a hidden size C: ⌊C / reduction_factor⌋, at least 1. */
    public int bottleneckSize(int hiddenSize) {
        return Math.max(1, (int) Math.floor(hiddenSize / reductionFactor));
    }

    /** Where the adapters sit in a decoder layer. */
    public enum Placement {
        /** After the attention output and after the MLP output (Houlsby et al.). */
        HOULSBY,
        /** After the MLP output only (Pfeiffer et al.). */
        PFEIFFER;

        /** The recipe spelling. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code houlsby} / {@code pfeiffer}. */
        public static Placement parse(String text) {
            for (Placement p : values()) {
                if (p.key().equalsIgnoreCase(text.strip())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("adapter_placement '" + text + "' is unknown; choose houlsby or pfeiffer");
        }

        /** Whether an adapter follows the attention output. */
        public boolean afterAttention() {
            return this == HOULSBY;
        }
    }

    /** The adapter's activation between its down and up projections. */
    public enum NonLinearity {
        RELU, GELU, SWISH, TANH;

        /** The recipe spelling. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code relu}, {@code gelu}, {@code swish} (also {@code silu}) or {@code tanh}. */
        public static NonLinearity parse(String text) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            if (t.equals("silu")) {
                return SWISH;
            }
            for (NonLinearity n : values()) {
                if (n.key().equals(t)) {
                    return n;
                }
            }
            throw new IllegalArgumentException("adapter_non_linearity '" + text
                    + "' is unknown; choose relu, gelu, swish or tanh");
        }
    }
}
