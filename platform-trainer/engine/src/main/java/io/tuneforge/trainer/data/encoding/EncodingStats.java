package io.tuneforge.trainer.data.encoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Statistics of an encoded dataset.
 *
 * @param rows           examples encoded
 * @param truncated      examples longer than the cutoff (cut)
 * @param untrainedTurns assistant turns that could not be located and carry no loss
 * @param withoutTargets examples left with no trained token (dropped from the samples)
 * @param lengths        token length of each example before truncation, in order
 */
public record EncodingStats(int rows, int truncated, int untrainedTurns, int withoutTargets, int[] lengths) {

    /** Counts of lengths in buckets of powers of two: bucket i holds lengths in (2^(i-1), 2^i]. */
    public long[] histogram() {
        long[] buckets = new long[32];
        for (int length : lengths) {
            int bucket = length <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(length - 1);
            buckets[bucket]++;
        }
        return buckets;
    }

    /**
     * The {@link #histogram()} as bars with their bounds, from the first non-empty bucket to the last (empty buckets
     * in between are kept, so the bars read as a continuous axis); empty when there are no rows.
     */
    public List<LengthBucket> buckets() {
        long[] counts = histogram();
        int first = 0;
        while (first < counts.length && counts[first] == 0) {
            first++;
        }
        int last = counts.length - 1;
        while (last >= first && counts[last] == 0) {
            last--;
        }
        List<LengthBucket> buckets = new ArrayList<>();
        for (int i = first; i <= last; i++) {
            buckets.add(new LengthBucket(i == 0 ? 0 : (1L << (i - 1)) + 1, 1L << i, counts[i]));
        }
        return buckets;
    }

    public int maxLength() {
        return Arrays.stream(lengths).max().orElse(0);
    }

    public double meanLength() {
        return Arrays.stream(lengths).average().orElse(0);
    }

    public long totalTokens() {
        return Arrays.stream(lengths).asLongStream().sum();
    }
}
