package io.tuneforge.trainer.evaluation;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Generation metrics of a prediction set, reported like LLaMA-Factory: each metric averaged over samples and ×100
 * (LLaMA-Factory also rounds each sample to 4 decimals before averaging; we do not). Unlike LLaMA-Factory, BLEU and
 * ROUGE are computed on words (Chinese segmented by jieba), see {@link MetricTokenizer}.
 *
 * @param samples        number of scored samples
 * @param bleu4          mean sentence BLEU-4 ×100
 * @param rouge1         mean ROUGE-1 F1 ×100
 * @param rouge2         mean ROUGE-2 F1 ×100
 * @param rougeL         mean ROUGE-L F1 ×100
 * @param tokenizations  how many samples were scored with each tokenization (the report states these)
 */
public record GenerationMetrics(int samples, double bleu4, double rouge1, double rouge2, double rougeL,
                                Map<Tokenization, Integer> tokenizations) {

    public GenerationMetrics {
        tokenizations = Map.copyOf(tokenizations);
    }

    /** Averages per-sample scores; an empty list gives zeros. */
    public static GenerationMetrics average(List<SampleScore> scores) {
        Map<Tokenization, Integer> counts = new EnumMap<>(Tokenization.class);
        double bleu = 0;
        double r1 = 0;
        double r2 = 0;
        double rl = 0;
        for (SampleScore s : scores) {
            counts.merge(s.tokenization(), 1, Integer::sum);
            bleu += s.bleu4();
            r1 += s.rouge1();
            r2 += s.rouge2();
            rl += s.rougeL();
        }
        int n = scores.size();
        double scale = n == 0 ? 0 : 100.0 / n;
        return new GenerationMetrics(n, bleu * scale, r1 * scale, r2 * scale, rl * scale, counts);
    }

    /** Scores {@code predictions[i]} against {@code labels[i]} for every i and averages. */
    public static GenerationMetrics compute(List<String> predictions, List<String> labels) {
        if (predictions.size() != labels.size()) {
            throw new IllegalArgumentException("predictions (" + predictions.size() + ") and labels ("
                    + labels.size() + ") differ in length");
        }
        return average(java.util.stream.IntStream.range(0, predictions.size())
                .mapToObj(i -> SampleScore.of(predictions.get(i), labels.get(i))).toList());
    }

    /** A one-line description of the tokenization used, e.g. {@code "words: 16, jieba: 15"}. */
    public String tokenizationSummary() {
        StringBuilder sb = new StringBuilder();
        for (Tokenization t : Tokenization.values()) {
            Integer c = tokenizations.get(t);
            if (c != null) {
                sb.append(sb.isEmpty() ? "" : ", ").append(t.name().toLowerCase()).append(": ").append(c);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
