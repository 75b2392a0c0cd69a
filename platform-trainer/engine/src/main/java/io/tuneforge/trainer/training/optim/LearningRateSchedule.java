package io.tuneforge.trainer.training.optim;

/**
 * The learning rate of each optimizer step, as Hugging Face's {@code get_scheduler(...)} wrapped in PyTorch's
 * {@code LambdaLR}: the update number {@code step} (0-based; {@code scheduler.step()} runs after each update) uses
 * {@code baseLearningRate * multiplier(step)}.
 *
 * @param type         the schedule's shape
 * @param baseLearningRate the peak learning rate ({@code learning_rate})
 * @param warmupSteps  steps of linear warmup from 0 (see {@link #warmupSteps(int, double, long)})
 * @param totalSteps   the number of optimizer steps of the whole run
 */
public record LearningRateSchedule(SchedulerType type, double baseLearningRate, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("warmupSteps must be >= 0 and totalSteps >= 1, got "
                    + warmupSteps + " and " + totalSteps);
        }
    }

    /** Hugging Face's {@code get_warmup_steps}: explicit steps win, else {@code ceil(totalSteps * ratio)}. */
    public static long warmupSteps(int warmupSteps, double warmupRatio, long totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (long) Math.ceil(totalSteps * warmupRatio);
    }

    /** The learning rate used by update number {@code step} (0-based). */
    public double learningRate(long step) {
        return baseLearningRate * multiplier(step);
    }

    /** The factor applied to the base learning rate at update number {@code step} (0-based). */
    public double multiplier(long step) {
        return switch (type) {
            case CONSTANT -> 1.0;
            case CONSTANT_WITH_WARMUP -> step < warmupSteps ? warmup(step) : 1.0;
            case LINEAR -> step < warmupSteps ? warmup(step)
                    : Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> step < warmupSteps ? warmup(step) : cosine(step);
        };
    }

    private double warmup(long step) {
        return (double) step / Math.max(1, warmupSteps);
    }

    /** Hugging Face's cosine with {@code num_cycles = 0.5}: one half wave from 1 to 0. */
    private double cosine(long step) {
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
    }
}
