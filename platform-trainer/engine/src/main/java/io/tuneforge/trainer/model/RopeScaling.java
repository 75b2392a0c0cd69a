package io.tuneforge.trainer.model;

import java.util.List;

/**
 * {@code rope_scaling} (transformers 4) or {@code rope_parameters} (transformers 5) of {@code config.json}.
 *
 * @param type                          {@code llama3} (Llama 3.1+ frequency-dependent scaling), {@code linear}
 *                                      (positions divided by {@code factor}) or {@code longrope} (Phi-3's
 *                                      {@code su}: per-frequency divisors, short or long by sequence length)
 * @param factor                        the context extension factor (longrope: max / original positions)
 * @param lowFreqFactor                 llama3: wavelengths above original/low_freq_factor are divided by {@code factor}
 * @param highFreqFactor                llama3: wavelengths below original/high_freq_factor are kept
 * @param originalMaxPositionEmbeddings llama3, longrope: the context length the model was pretrained with
 * @param shortFactor                   longrope: divisor of each inverse frequency (head_dim/2 values) while the
 *                                      sequence is at most {@code originalMaxPositionEmbeddings} long
 * @param longFactor                    longrope: the divisors once it is longer
 * @param attentionFactor               longrope: cos and sin are multiplied by it (1 for the other types)
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings, List<Double> shortFactor, List<Double> longFactor,
                          double attentionFactor) {

    public RopeScaling {
        shortFactor = List.copyOf(shortFactor);
        longFactor = List.copyOf(longFactor);
    }

    /** llama3 or linear scaling (no per-frequency factors, attention factor 1). */
    public RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                       int originalMaxPositionEmbeddings) {
        this(type, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings, List.of(), List.of(), 1.0);
    }

    /** True for Phi-3's longrope ({@code su}). */
    public boolean isLongRope() {
        return type.equals("longrope");
    }
}
