package io.tuneforge.core.job;

import java.util.OptionalDouble;

/**
 * Speeds the workers measured on finished jobs with a model of about this size ({@link PhaseSpeedRepository}); the
 * pre-flight estimate uses them instead of its FLOP-based defaults where present.
 *
 * @param trainingTokensPerSecond    training throughput (input tokens per second of a whole run, its evaluations included)
 * @param predictionTokensPerSecond  tokens generated per second by the held-out predictions (batched)
 * @param mergeParametersPerSecond   parameters merged and written per second
 * @param exportParametersPerSecond  parameters converted to GGUF per second
 */
public record MeasuredSpeeds(OptionalDouble trainingTokensPerSecond, OptionalDouble predictionTokensPerSecond,
        OptionalDouble mergeParametersPerSecond, OptionalDouble exportParametersPerSecond) {

    /** Nothing measured yet. */
    public static final MeasuredSpeeds NONE = new MeasuredSpeeds(OptionalDouble.empty(), OptionalDouble.empty(),
            OptionalDouble.empty(), OptionalDouble.empty());

    /** True when at least one phase is calibrated by a measurement. */
    public boolean any() {
        return trainingTokensPerSecond.isPresent() || predictionTokensPerSecond.isPresent()
                || mergeParametersPerSecond.isPresent() || exportParametersPerSecond.isPresent();
    }
}
