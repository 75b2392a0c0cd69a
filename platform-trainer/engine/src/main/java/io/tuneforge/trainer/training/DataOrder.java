package io.tuneforge.trainer.training;

import java.util.SplittableRandom;

/**
 * The seeded order in which an epoch visits the training samples: a Fisher–Yates shuffle whose randomness depends
 * only on {@code (seed, epoch)}, so a resumed run recomputes the same order from its checkpointed position.
 */
public final class DataOrder {

    private DataOrder() {
    }

    /** A permutation of {@code 0..size-1} for this epoch. */
    public static int[] shuffled(long seed, int epoch, int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(mix(seed, epoch));
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A well-spread 64-bit value from a seed and a counter (SplitMix64 finaliser). */
    static long mix(long seed, long counter) {
        long z = seed * 0x9E3779B97F4A7C15L + counter + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
