package io.tuneforge.core.evaluation;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * One model's side of a session's results.
 *
 * @param model   base or tuned
 * @param means   mean score per criterion over all ratings (empty when nothing is rated yet)
 * @param overall mean of all five criteria over all ratings
 * @param wins    ratings that preferred this model's answer
 * @param winRate {@code wins / ratings} (ties count for neither model)
 * @param ratings ratings the numbers are computed from
 */
public record ModelResult(EvaluatedModel model, Map<Criterion, Double> means, OptionalDouble overall, int wins,
        OptionalDouble winRate, int ratings) {

    public ModelResult {
        means = Map.copyOf(means);
    }

    /** The mean score of one criterion, empty when nothing is rated yet. */
    public OptionalDouble mean(Criterion criterion) {
        Double mean = means.get(criterion);
        return mean == null ? OptionalDouble.empty() : OptionalDouble.of(mean);
    }
}
