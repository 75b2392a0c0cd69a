package io.tuneforge.trainer.training;

import io.tuneforge.trainer.data.TokenizedSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random tokenized samples for the tiny models of the training tests (vocabulary ≥ 64). */
final class RandomSamples {

    private RandomSamples() {
    }

    /**
     * {@code count} samples of 5 to 12 tokens with ids 3..63, the first two tokens a prompt (no loss), from
     * {@code seed}.
     */
    static List<TokenizedSample> of(int count, long seed) {
        Random random = new Random(seed);
        List<TokenizedSample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 5 + random.nextInt(8);
            int[] ids = new int[length];
            int[] labels = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 3 + random.nextInt(61);
                labels[t] = t < 2 ? TokenizedSample.IGNORE_INDEX : ids[t];
            }
            out.add(new TokenizedSample(ids, labels));
        }
        return out;
    }
}
