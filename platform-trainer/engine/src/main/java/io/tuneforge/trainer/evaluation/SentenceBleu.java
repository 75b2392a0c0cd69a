package io.tuneforge.trainer.evaluation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence BLEU-4 exactly as NLTK computes {@code sentence_bleu([reference], hypothesis,
 * smoothing_function=SmoothingFunction().method3)}: uniform weights 0.25, clipped n-gram precisions, brevity penalty
 * {@code exp(1 - r/c)} when the hypothesis is shorter (0 when it is empty), 0 when no unigram matches, and method 3
 * smoothing (the k-th zero precision becomes {@code 1 / (2^k · denominator)}).
 */
public final class SentenceBleu {

    private static final int MAX_ORDER = 4;

    private SentenceBleu() {
    }

    /** BLEU-4 in [0, 1] of one hypothesis against one reference (both already tokenized). */
    public static double score(List<String> reference, List<String> hypothesis) {
        long[] numerators = new long[MAX_ORDER];
        long[] denominators = new long[MAX_ORDER];
        for (int n = 1; n <= MAX_ORDER; n++) {
            Map<List<String>, Integer> hypCounts = ngramCounts(hypothesis, n);
            Map<List<String>, Integer> refCounts = ngramCounts(reference, n);
            long clipped = 0;
            long total = 0;
            for (Map.Entry<List<String>, Integer> e : hypCounts.entrySet()) {
                clipped += Math.min(e.getValue(), refCounts.getOrDefault(e.getKey(), 0));
                total += e.getValue();
            }
            numerators[n - 1] = clipped;
            denominators[n - 1] = Math.max(1, total);
        }
        if (numerators[0] == 0) {
            return 0.0;
        }
        double logSum = 0.0;
        int zeroCount = 1;
        for (int i = 0; i < MAX_ORDER; i++) {
            double precision;
            if (numerators[i] == 0) {
                precision = 1.0 / (Math.pow(2, zeroCount) * denominators[i]);
                zeroCount++;
            } else {
                precision = (double) numerators[i] / denominators[i];
            }
            logSum += 0.25 * Math.log(precision);
        }
        return brevityPenalty(reference.size(), hypothesis.size()) * Math.exp(logSum);
    }

    static double brevityPenalty(int referenceLength, int hypothesisLength) {
        if (hypothesisLength > referenceLength) {
            return 1.0;
        }
        if (hypothesisLength == 0) {
            return 0.0;
        }
        return Math.exp(1.0 - (double) referenceLength / hypothesisLength);
    }

    private static Map<List<String>, Integer> ngramCounts(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }
}
