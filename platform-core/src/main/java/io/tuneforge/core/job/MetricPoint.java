package io.tuneforge.core.job;

/**
 * One value of a named metric at a step, as a worker reports it.
 *
 * @param step  optimizer step (0-based or 1-based as the trainer counts; the same job always counts the same way)
 * @param name  metric name: {@code loss}, {@code eval_loss}, {@code learning_rate}, {@code grad_norm}, ...
 * @param value the value
 */
public record MetricPoint(int step, String name, double value) {
}
