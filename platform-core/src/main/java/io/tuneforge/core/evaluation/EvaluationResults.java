package io.tuneforge.core.evaluation;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A session's unblinded results: per model the mean of each criterion and overall, and how often raters preferred it.
 *
 * @param items   prompts in the session
 * @param ratings ratings given (one per item and rater)
 * @param raters  distinct raters
 * @param base    the base model's numbers
 * @param tuned   the tuned model's numbers
 * @param ties    ratings that preferred neither answer
 * @param tieRate {@code ties / ratings}
 */
public record EvaluationResults(int items, int ratings, int raters, ModelResult base, ModelResult tuned, int ties,
        OptionalDouble tieRate) {

    /** Both models, base first. */
    public List<ModelResult> models() {
        return List.of(base, tuned);
    }

    /** One rating seen through the blinding: whose answer was on which side. */
    record Unblinded(RatingItem item, Rating rating) {

        Scores scoresOf(EvaluatedModel model) {
            return rating.scores(item.modelOn(Side.A) == model ? Side.A : Side.B);
        }

        boolean prefers(EvaluatedModel model) {
            return rating.getPreference().side().map(item::modelOn).map(m -> m == model).orElse(false);
        }
    }

    /** Aggregates the ratings of a session's items. */
    static EvaluationResults of(int items, List<Unblinded> ratings) {
        int ties = (int) ratings.stream().filter(r -> r.rating().getPreference() == Preference.TIE).count();
        int raters = (int) ratings.stream().map(r -> r.rating().getRaterId()).distinct().count();
        return new EvaluationResults(items, ratings.size(), raters, model(EvaluatedModel.BASE, ratings),
                model(EvaluatedModel.TUNED, ratings), ties, ratio(ties, ratings.size()));
    }

    private static ModelResult model(EvaluatedModel model, List<Unblinded> ratings) {
        Map<Criterion, Double> means = new EnumMap<>(Criterion.class);
        long total = 0;
        for (Criterion criterion : Criterion.values()) {
            long sum = ratings.stream().mapToLong(r -> r.scoresOf(model).get(criterion)).sum();
            total += sum;
            if (!ratings.isEmpty()) {
                means.put(criterion, (double) sum / ratings.size());
            }
        }
        OptionalDouble overall = ratings.isEmpty() ? OptionalDouble.empty()
                : OptionalDouble.of((double) total / (ratings.size() * Criterion.values().length));
        int wins = (int) ratings.stream().filter(r -> r.prefers(model)).count();
        return new ModelResult(model, means, overall, wins, ratio(wins, ratings.size()), ratings.size());
    }

    private static OptionalDouble ratio(int count, int of) {
        return of == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) count / of);
    }
}
