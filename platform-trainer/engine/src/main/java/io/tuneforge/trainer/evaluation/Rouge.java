package io.tuneforge.trainer.evaluation;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F1 as the {@code rouge-chinese} package (used by LLaMA-Factory) computes them on
 * whitespace-joined tokens: ROUGE-N compares the <em>sets</em> of distinct n-grams ({@code exclusive=True}), ROUGE-L
 * the longest common subsequence of the whole token sequences, and F = 2PR / (P + R + 1e-8). An empty side scores 0
 * on every metric (LLaMA-Factory's guard; the package itself would raise).
 */
public final class Rouge {

    private Rouge() {
    }

    /** The three F1 scores, each in [0, 1]. */
    public record Scores(double rouge1, double rouge2, double rougeL) {
    }

    /** Scores {@code hypothesis} against {@code reference} (both already tokenized). */
    public static Scores score(List<String> hypothesis, List<String> reference) {
        if (hypothesis.isEmpty() || reference.isEmpty()) {
            return new Scores(0, 0, 0);
        }
        return new Scores(rougeN(hypothesis, reference, 1), rougeN(hypothesis, reference, 2),
                rougeL(hypothesis, reference));
    }

    static double rougeN(List<String> hypothesis, List<String> reference, int n) {
        Set<List<String>> hyp = ngramSet(hypothesis, n);
        Set<List<String>> ref = ngramSet(reference, n);
        Set<List<String>> overlap = new HashSet<>(hyp);
        overlap.retainAll(ref);
        return f1(overlap.size(), hyp.size(), ref.size());
    }

    static double rougeL(List<String> hypothesis, List<String> reference) {
        int lcs = lcsLength(reference, hypothesis);
        return f1(lcs, hypothesis.size(), reference.size());
    }

    private static double f1(int overlap, int hypothesisCount, int referenceCount) {
        double precision = hypothesisCount == 0 ? 0.0 : (double) overlap / hypothesisCount;
        double recall = referenceCount == 0 ? 0.0 : (double) overlap / referenceCount;
        return 2.0 * ((precision * recall) / (precision + recall + 1e-8));
    }

    private static Set<List<String>> ngramSet(List<String> tokens, int n) {
        Set<List<String>> set = new HashSet<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            set.add(List.copyOf(tokens.subList(i, i + n)));
        }
        return set;
    }

    private static int lcsLength(List<String> x, List<String> y) {
        int[] previous = new int[y.size() + 1];
        int[] current = new int[y.size() + 1];
        for (int i = 1; i <= x.size(); i++) {
            for (int j = 1; j <= y.size(); j++) {
                current[j] = x.get(i - 1).equals(y.get(j - 1))
                        ? previous[j - 1] + 1
                        : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[y.size()];
    }
}
