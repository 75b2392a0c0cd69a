package io.tuneforge.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.data.TokenizedSample;

import java.util.List;

/**
 * Samples right-padded to one length: what one forward pass consumes. Padded positions carry the pad token as input
 * and {@link TokenizedSample#IGNORE_INDEX} as label; under the causal mask real tokens never attend to the padding to
 * their right, and padded labels are ignored by the loss, so padding changes no loss or gradient.
 *
 * @param inputIds      (B, T) token ids, right-padded with the pad id
 * @param labels        (B, T) labels, right-padded with {@link TokenizedSample#IGNORE_INDEX}; unshifted
 * @param inputTokens   number of real (non-padding) input tokens
 * @param targetTokens  number of positions that count in the loss after the causal shift
 * @param lengths       real (non-padding) tokens of each row
 */
public record Batch(int[][] inputIds, int[][] labels, long inputTokens, long targetTokens, int[] lengths) {

    /** Right-pads the samples to the longest one. */
    public static Batch collate(List<TokenizedSample> samples, int padTokenId) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("Cannot build a batch from no samples");
        }
        int length = samples.stream().mapToInt(TokenizedSample::length).max().orElseThrow();
        if (length == 0) {
            throw new IllegalArgumentException("Cannot build a batch from empty samples");
        }
        int[][] ids = new int[samples.size()][length];
        int[][] labels = new int[samples.size()][length];
        long inputTokens = 0;
        int[] lengths = new int[samples.size()];
        for (int b = 0; b < samples.size(); b++) {
            TokenizedSample s = samples.get(b);
            java.util.Arrays.fill(ids[b], padTokenId);
            java.util.Arrays.fill(labels[b], TokenizedSample.IGNORE_INDEX);
            System.arraycopy(s.inputIds(), 0, ids[b], 0, s.length());
            System.arraycopy(s.labels(), 0, labels[b], 0, s.length());
            inputTokens += s.length();
            lengths[b] = s.length();
        }
        return new Batch(ids, labels, inputTokens, countTargets(labels), lengths);
    }

    /** Positions {@code t >= 1} whose label counts: each is predicted from the hidden state at {@code t - 1}. */
    private static long countTargets(int[][] labels) {
        long n = 0;
        for (int[] row : labels) {
            for (int t = 1; t < row.length; t++) {
                if (row[t] != TokenizedSample.IGNORE_INDEX) {
                    n++;
                }
            }
        }
        return n;
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int sequenceLength() {
        return inputIds[0].length;
    }

    /** (B·T) float32: 1 at each row's real tokens, 0 at its padding (transformers' attention_mask, flattened). */
    public NDArray realTokenMask(NDManager manager) {
        float[] mask = new float[batchSize() * sequenceLength()];
        for (int b = 0; b < batchSize(); b++) {
            java.util.Arrays.fill(mask, b * sequenceLength(), b * sequenceLength() + lengths[b], 1f);
        }
        return manager.create(mask);
    }

    /** The token ids as an int64 array (B, T) in {@code manager}. */
    public NDArray inputIdsArray(NDManager manager) {
        long[] flat = new long[batchSize() * sequenceLength()];
        for (int b = 0; b < batchSize(); b++) {
            for (int t = 0; t < sequenceLength(); t++) {
                flat[b * sequenceLength() + t] = inputIds[b][t];
            }
        }
        return manager.create(flat, new Shape(batchSize(), sequenceLength()));
    }

    /**
     * Flat indices {@code b * T + t} of the hidden states that predict a counted label (the label at {@code t + 1}),
     * in row-major order; {@link #targetIds()} holds the matching labels.
     */
    public long[] predictingPositions() {
        long[] out = new long[Math.toIntExact(targetTokens)];
        int k = 0;
        for (int b = 0; b < batchSize(); b++) {
            for (int t = 0; t + 1 < sequenceLength(); t++) {
                if (labels[b][t + 1] != TokenizedSample.IGNORE_INDEX) {
                    out[k++] = (long) b * sequenceLength() + t;
                }
            }
        }
        return out;
    }

    /** The counted labels (shifted: label at {@code t + 1}) in the order of {@link #predictingPositions()}. */
    public long[] targetIds() {
        long[] out = new long[Math.toIntExact(targetTokens)];
        int k = 0;
        for (int b = 0; b < batchSize(); b++) {
            for (int t = 0; t + 1 < sequenceLength(); t++) {
                if (labels[b][t + 1] != TokenizedSample.IGNORE_INDEX) {
                    out[k++] = labels[b][t + 1];
                }
            }
        }
        return out;
    }
}
