package io.tuneforge.trainer.data.encoding;

import io.tuneforge.trainer.data.TokenizedSample;

import java.util.ArrayList;
import java.util.List;

/**
 * Packing: concatenates consecutive samples into sequences of at most {@code cutoff} tokens (greedy, in order), so
 * short samples waste no padding. Like LLaMA-Factory's {@code packing} without {@code neat_packing}, tokens may
 * attend to earlier samples of the same sequence; each sample keeps its own labels, so the first token of the next
 * sample is predicted from the previous sample's last token only if that label is trained (it is a prompt token,
 * not trained, unless {@code train_on_prompt}).
 */
public final class SamplePacker {

    private SamplePacker() {
    }

    public static List<TokenizedSample> pack(List<TokenizedSample> samples, int cutoff) {
        List<TokenizedSample> packed = new ArrayList<>();
        int[] ids = new int[cutoff];
        int[] labels = new int[cutoff];
        int length = 0;
        for (TokenizedSample sample : samples) {
            if (length > 0 && length + sample.length() > cutoff) {
                packed.add(new TokenizedSample(java.util.Arrays.copyOf(ids, length),
                        java.util.Arrays.copyOf(labels, length)));
                length = 0;
            }
            int n = Math.min(sample.length(), cutoff);
            System.arraycopy(sample.inputIds(), 0, ids, length, n);
            System.arraycopy(sample.labels(), 0, labels, length, n);
            length += n;
        }
        if (length > 0) {
            packed.add(new TokenizedSample(java.util.Arrays.copyOf(ids, length), java.util.Arrays.copyOf(labels, length)));
        }
        return packed;
    }
}
