package io.tuneforge.trainer.data.encoding;

import io.tuneforge.trainer.data.TokenizedSample;

import java.util.List;

/**
 * Encoded samples ready for the trainer.
 *
 * @param samples the samples (packed when packing was asked for)
 * @param stats   statistics of the encoding
 */
public record EncodedDataset(List<TokenizedSample> samples, EncodingStats stats) {

    public EncodedDataset {
        samples = List.copyOf(samples);
    }
}
