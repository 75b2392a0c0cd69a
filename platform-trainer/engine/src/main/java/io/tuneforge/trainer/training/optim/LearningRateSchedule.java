package io.tuneforge.trainer.training.optim;

/**
 * The learning rate of each optimizer step, as Hugging Face's {@code get_scheduler(...)} wrapped in PyTorch's
 * {@code LambdaLR}: the update number {@code step} (0-based; {@code scheduler.step()} runs after each update) uses
 * {@code baseLearningRate * multiplier(step)}. Every formula is transcribed from transformers' {@code optimization.py}
 * in the same operation order, so the values agree to the last bits (checked against the library's own output).
 * {@link SchedulerType#REDUCE_LR_ON_PLATEAU} has no per-step formula: its multiplier here is 1 and
 * {@link ReduceLrOnPlateau} lowers the rate after evaluations.
 *
 * @param type             the schedule's shape
 * @param baseLearningRate the peak learning rate ({@code learning_rate})
 * @param warmupSteps      steps of linear warmup from 0 (see {@link #warmupSteps(int, double, long)})
 * @param totalSteps       the number of optimizer steps of the whole run
 * @param options          schedule-specific arguments ({@code lr_scheduler_kwargs})
 */
public record LearningRateSchedule(SchedulerType type, double baseLearningRate, long warmupSteps, long totalSteps,
                                   SchedulerOptions options) {

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("warmupSteps must be >= 0 and totalSteps >= 1, got "
                    + warmupSteps + " and " + totalSteps);
        }
        if ((type == SchedulerType.COSINE_WITH_MIN_LR || type == SchedulerType.COSINE_WARMUP_WITH_MIN_LR)
                && options.minLr().isEmpty() && options.minLrRate().isEmpty()) {
            throw new IllegalArgumentException("lr_scheduler_type " + type.configName() + " needs lr_scheduler_kwargs "
                    + "min_lr or min_lr_rate (as in Hugging Face), e.g. {\"min_lr_rate\": 0.1}");
        }
        if (type == SchedulerType.POLYNOMIAL && !(baseLearningRate > options.lrEnd())) {
            throw new IllegalArgumentException("lr_scheduler_kwargs lr_end (" + options.lrEnd()
                    + ") must be smaller than learning_rate (" + baseLearningRate + ")");
        }
    }

    /** A schedule with Hugging Face's default arguments. */
    public LearningRateSchedule(SchedulerType type, double baseLearningRate, long warmupSteps, long totalSteps) {
        this(type, baseLearningRate, warmupSteps, totalSteps, SchedulerOptions.defaults());
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
            case CONSTANT, REDUCE_LR_ON_PLATEAU, GREEDY -> 1.0;
            case CONSTANT_WITH_WARMUP -> step < warmupSteps ? warmup(step) : 1.0;
            case LINEAR -> step < warmupSteps ? warmup(step)
                    : Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> step < warmupSteps ? warmup(step) : cosine(step, options.numCycles().orElse(0.5), 0.0);
            case COSINE_WITH_MIN_LR -> step < warmupSteps ? warmup(step)
                    : cosine(step, options.numCycles().orElse(0.5), minLrRate());
            case COSINE_WARMUP_WITH_MIN_LR -> cosineWarmupWithMinLr(step);
            case COSINE_WITH_RESTARTS -> step < warmupSteps ? warmup(step) : cosineWithRestarts(step);
            case POLYNOMIAL -> step < warmupSteps ? warmup(step) : polynomial(step);
            case INVERSE_SQRT -> step < warmupSteps ? warmup(step) : inverseSqrt(step);
            case WARMUP_STABLE_DECAY -> warmupStableDecay(step);
        };
    }

    private double warmup(long step) {
        return (double) step / Math.max(1, warmupSteps);
    }

    /** Hugging Face's cosine: {@code num_cycles} waves (0.5: one half wave from 1 to 0), floored at minLrRate. */
    private double cosine(long step, double numCycles, double minLrRate) {
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        double factor = 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress));
        if (minLrRate != 0.0) {
            factor = factor * (1 - minLrRate) + minLrRate;
        }
        return Math.max(0.0, factor);
    }

    /**
     * Hugging Face's {@code _get_cosine_with_min_lr_schedule_with_warmup_lr_rate_lambda}: warmup
     * {@code (step + 1) / warmup}, or from {@code warmup_lr_rate} to 1 over {@code warmup − 1} steps; then the cosine
     * with its progress one step ahead ({@code (step − warmup + 1) / (total − warmup)}), floored at min_lr_rate.
     */
    private double cosineWarmupWithMinLr(long step) {
        double current = step;
        double warmup = warmupSteps;
        if (current < warmup) {
            if (options.warmupLrRate().isEmpty()) {
                return (current + 1.0) / Math.max(1.0, warmup);
            }
            double rate = options.warmupLrRate().getAsDouble();
            return rate + (1.0 - rate) * current / Math.max(1, warmup - 1);
        }
        double progress = (current - warmup + 1.0) / Math.max(1.0, (double) totalSteps - warmup);
        double factor = 0.5 * (1.0 + Math.cos(Math.PI * options.numCycles().orElse(0.5) * 2.0 * progress));
        factor = factor * (1 - minLrRate()) + minLrRate();
        return Math.max(0, factor);
    }

    private double minLrRate() {
        return options.minLrRate().orElseGet(() -> options.minLr().orElseThrow() / baseLearningRate);
    }

    /** Hard restarts: {@code num_cycles} (1) falling half waves, each starting again from the peak. */
    private double cosineWithRestarts(long step) {
        double numCycles = options.numCycles().orElse(1.0);
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        if (progress >= 1.0) {
            return 0.0;
        }
        return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * ((numCycles * progress) % 1.0))));
    }

    /** {@code (lr - lr_end) * (1 - progress)^power + lr_end}, as a multiplier of lr. */
    private double polynomial(long step) {
        double lrEnd = options.lrEnd();
        if (step > totalSteps) {
            return lrEnd / baseLearningRate;
        }
        double lrRange = baseLearningRate - lrEnd;
        double decaySteps = totalSteps - warmupSteps;
        double pctRemaining = 1 - (step - warmupSteps) / decaySteps;
        double decay = lrRange * Math.pow(pctRemaining, options.power()) + lrEnd;
        return decay / baseLearningRate;
    }

    /** {@code 1 / sqrt((step + timescale - warmup) / timescale)}; timescale defaults to the warmup, else 10,000. */
    private double inverseSqrt(long step) {
        long timescale = options.timescale().orElse(warmupSteps > 0 ? warmupSteps : 10_000);
        long shift = timescale - warmupSteps;
        return 1.0 / Math.sqrt((double) (step + shift) / timescale);
    }

    /**
     * Warmup (linear, cosine or 1-sqrt from {@code min_lr_ratio}), a stable phase at the peak, a decay to
     * {@code min_lr_ratio}, then {@code min_lr_ratio}. Without explicit phase lengths, LLaMA-Factory's split: a
     * third of the steps after warmup stable, the rest decaying.
     */
    private double warmupStableDecay(long step) {
        long remaining = totalSteps - warmupSteps;
        long stable = options.numStableSteps().orElse(remaining / 3);
        long decay = options.numDecaySteps().orElse(remaining - remaining / 3);
        double minRatio = options.minLrRatio();
        if (step < warmupSteps) {
            double progress = (double) step / Math.max(1, warmupSteps);
            double factor = warmupShape(options.warmupType(), progress);
            return Math.max(0.0, factor * (1.0 - minRatio) + minRatio);
        }
        if (step < warmupSteps + stable) {
            return 1.0;
        }
        if (step < warmupSteps + stable + decay) {
            double progress = (double) (step - warmupSteps - stable) / Math.max(1, decay);
            double factor = switch (options.decayType()) {
                case "linear" -> 1.0 - progress;
                case "cosine" -> 0.5 * (1.0 + Math.cos(Math.PI * options.numCycles().orElse(0.5) * 2.0 * progress));
                default -> 1.0 - Math.sqrt(progress);
            };
            return Math.max(0.0, factor * (1.0 - minRatio) + minRatio);
        }
        return minRatio;
    }

    private static double warmupShape(String kind, double progress) {
        return switch (kind) {
            case "linear" -> progress;
            case "cosine" -> 0.5 * (1.0 - Math.cos(Math.PI * progress));
            default -> 1.0 - Math.sqrt(1.0 - progress);
        };
    }
}
