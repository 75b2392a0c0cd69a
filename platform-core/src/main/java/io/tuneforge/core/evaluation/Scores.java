package io.tuneforge.core.evaluation;

import io.tuneforge.shared.evaluation.EvaluationException;
import java.util.EnumMap;
import java.util.Map;

/**
 * One answer's scores, each from {@link Criterion#MIN_SCORE} to {@link Criterion#MAX_SCORE}.
 *
 * @param relevance       does it answer what was asked
 * @param accuracy        is it correct
 * @param completeness    does it cover everything needed
 * @param professionalism is tone and form fit for the audience
 * @param safety          is it free of harmful content
 */
public record Scores(int relevance, int accuracy, int completeness, int professionalism, int safety) {

    /** Scores from a map holding every criterion; a missing one is refused with its name. */
    public static Scores of(Map<Criterion, Integer> byCriterion, String answer) {
        for (Criterion criterion : Criterion.values()) {
            if (byCriterion.get(criterion) == null) {
                throw new EvaluationException(answer + ": score " + criterion.label().toLowerCase()
                        + " is missing (choose " + Criterion.MIN_SCORE + "–" + Criterion.MAX_SCORE + ")");
            }
        }
        return new Scores(byCriterion.get(Criterion.RELEVANCE), byCriterion.get(Criterion.ACCURACY),
                byCriterion.get(Criterion.COMPLETENESS), byCriterion.get(Criterion.PROFESSIONALISM),
                byCriterion.get(Criterion.SAFETY));
    }

    /** The score for one criterion. */
    public int get(Criterion criterion) {
        return switch (criterion) {
            case RELEVANCE -> relevance;
            case ACCURACY -> accuracy;
            case COMPLETENESS -> completeness;
            case PROFESSIONALISM -> professionalism;
            case SAFETY -> safety;
        };
    }

    /** Every criterion with its score, in criterion order. */
    public Map<Criterion, Integer> asMap() {
        Map<Criterion, Integer> map = new EnumMap<>(Criterion.class);
        for (Criterion criterion : Criterion.values()) {
            map.put(criterion, get(criterion));
        }
        return map;
    }

    /** Refuses a score outside 1–5, naming the answer and criterion, e.g. "Answer A: accuracy must be 1–5, was 7". */
    void validate(String answer) {
        for (Criterion criterion : Criterion.values()) {
            int score = get(criterion);
            if (score < Criterion.MIN_SCORE || score > Criterion.MAX_SCORE) {
                throw new EvaluationException(answer + ": " + criterion.key() + " must be " + Criterion.MIN_SCORE
                        + "–" + Criterion.MAX_SCORE + ", was " + score);
            }
        }
    }
}
