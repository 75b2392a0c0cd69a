package io.tuneforge.trainer.model;

/**
 * {@code rope_scaling} of {@code config.json}.
 *
 * @param type                          {@code llama3} (Llama 3.1+ frequency-dependent scaling) or {@code linear}
 *                                      (positions divided by {@code factor})
 * @param factor                        the context extension factor
 * @param lowFreqFactor                 llama3: wavelengths above original/low_freq_factor are divided by {@code factor}
 * @param highFreqFactor                llama3: wavelengths below original/high_freq_factor are kept
 * @param originalMaxPositionEmbeddings llama3: the context length the model was pretrained with
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings) {
}
