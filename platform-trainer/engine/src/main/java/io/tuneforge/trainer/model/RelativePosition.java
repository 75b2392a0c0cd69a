package io.tuneforge.trainer.model;

/**
 * T5's relative position buckets (transformers' {@code T5Attention._relative_position_bucket}, from Mesh
 * TensorFlow): half the buckets count small distances exactly, the other half cover distances up to
 * {@code maxDistance} logarithmically; all farther distances share the last bucket. Bidirectional (encoder) buckets
 * split in two by the sign of the distance; causal (decoder) ones only see keys at or before the query.
 */
final class RelativePosition {

    private RelativePosition() {
    }

    /**
     * @param relative      key position − query position
     * @param bidirectional true in the encoder, false in the decoder
     * @return the bucket in [0, numBuckets)
     */
    static int bucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
        int bucket = 0;
        int n = numBuckets;
        if (bidirectional) {
            n /= 2;
            if (relative > 0) {
                bucket += n;
            }
            relative = Math.abs(relative);
        } else {
            relative = -Math.min(relative, 0);
        }
        int maxExact = n / 2;
        if (relative < maxExact) {
            return bucket + relative;
        }
        // float32 as torch computes it: log(rel / max_exact) / log(max_distance / max_exact) * (n - max_exact)
        float ratio = (float) relative / maxExact;
        float scaled = (float) Math.log(ratio) / (float) Math.log((double) maxDistance / maxExact) * (n - maxExact);
        return bucket + Math.min(maxExact + (int) scaled, n - 1);
    }
}
