package io.tuneforge.trainer.training.optim;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The schedule-specific arguments Hugging Face takes as {@code lr_scheduler_kwargs}, with its defaults. Each
 * schedule reads only its own (see {@link #ACCEPTED}); a key another schedule reads is refused, as Hugging Face's
 * {@code get_scheduler} refuses it with a {@code TypeError}.
 *
 * @param numCycles      {@code num_cycles}: cosine waves (0.5 for cosine, cosine_with_min_lr and WSD; 1 for restarts)
 * @param lrEnd          {@code lr_end}: polynomial's final learning rate (1e-7)
 * @param power          {@code power}: polynomial's exponent (1.0, linear)
 * @param timescale      {@code timescale}: inverse_sqrt's time scale (default: the warmup steps, or 10,000 without)
 * @param minLr          {@code min_lr}: cosine_with_min_lr's floor as a learning rate; reduce_lr_on_plateau's floor
 * @param minLrRate      {@code min_lr_rate}: cosine_with_min_lr's floor as a share of the peak
 * @param warmupLrRate   {@code warmup_lr_rate}: cosine_warmup_with_min_lr's first warmup factor (default 1/warmup)
 * @param numStableSteps {@code num_stable_steps}: WSD's stable phase (LLaMA-Factory: a third of the steps after warmup)
 * @param numDecaySteps  {@code num_decay_steps}: WSD's decay phase (LLaMA-Factory: the rest)
 * @param warmupType     {@code warmup_type}: WSD's warmup shape, linear, cosine or 1-sqrt (linear)
 * @param decayType      {@code decay_type}: WSD's decay shape, linear, cosine or 1-sqrt (cosine)
 * @param minLrRatio     {@code min_lr_ratio}: WSD's start and end as a share of the peak (0)
 * @param factor         {@code factor}: reduce_lr_on_plateau's multiplier on a plateau (0.1)
 * @param patience       {@code patience}: evaluations without improvement before a reduction (10)
 * @param threshold      {@code threshold}: the relative improvement that counts (1e-4)
 * @param cooldown       {@code cooldown}: evaluations after a reduction before counting again (0)
 * @param greedy         greedy's own arguments, with its defaults ({@link GreedyLr.Options})
 */
public record SchedulerOptions(OptionalDouble numCycles, double lrEnd, double power, OptionalLong timescale,
                               OptionalDouble minLr, OptionalDouble minLrRate, OptionalDouble warmupLrRate,
                               OptionalLong numStableSteps,
                               OptionalLong numDecaySteps, String warmupType, String decayType, double minLrRatio,
                               double factor, int patience, double threshold, int cooldown,
                               GreedyLr.Options greedy) {

    /** The keys each schedule accepts in {@code lr_scheduler_kwargs}. */
    public static final Map<SchedulerType, List<String>> ACCEPTED = Map.ofEntries(
            Map.entry(SchedulerType.LINEAR, List.of()),
            Map.entry(SchedulerType.CONSTANT, List.of()),
            Map.entry(SchedulerType.CONSTANT_WITH_WARMUP, List.of()),
            Map.entry(SchedulerType.COSINE, List.of("num_cycles")),
            Map.entry(SchedulerType.COSINE_WITH_RESTARTS, List.of("num_cycles")),
            Map.entry(SchedulerType.POLYNOMIAL, List.of("lr_end", "power")),
            Map.entry(SchedulerType.INVERSE_SQRT, List.of("timescale")),
            Map.entry(SchedulerType.COSINE_WITH_MIN_LR, List.of("num_cycles", "min_lr", "min_lr_rate")),
            Map.entry(SchedulerType.COSINE_WARMUP_WITH_MIN_LR,
                    List.of("num_cycles", "min_lr", "min_lr_rate", "warmup_lr_rate")),
            Map.entry(SchedulerType.WARMUP_STABLE_DECAY, List.of("num_stable_steps", "num_decay_steps", "warmup_type",
                    "decay_type", "min_lr_ratio", "num_cycles")),
            Map.entry(SchedulerType.REDUCE_LR_ON_PLATEAU, List.of("factor", "patience", "threshold", "cooldown", "min_lr")),
            Map.entry(SchedulerType.GREEDY, GreedyLr.KEYS));

    private static final List<String> SHAPES = List.of("linear", "cosine", "1-sqrt");

    public SchedulerOptions {
        if (!SHAPES.contains(warmupType) || !SHAPES.contains(decayType)) {
            throw new IllegalArgumentException("lr_scheduler_kwargs warmup_type and decay_type must be one of "
                    + SHAPES + ", got " + warmupType + " and " + decayType);
        }
        if (minLr.isPresent() && minLrRate.isPresent()) {
            throw new IllegalArgumentException("lr_scheduler_kwargs: give only one of min_lr and min_lr_rate");
        }
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("lr_scheduler_kwargs factor must lie in (0, 1), got " + factor);
        }
    }

    /** Hugging Face's defaults for every schedule. */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(OptionalDouble.empty(), 1e-7, 1.0, OptionalLong.empty(), OptionalDouble.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), OptionalLong.empty(), OptionalLong.empty(), "linear", "cosine", 0.0, 0.1, 10,
                1e-4, 0, GreedyLr.Options.defaults());
    }

    /**
     * Reads {@code lr_scheduler_kwargs} for a schedule: numbers as numbers or numeric text, the WSD shapes as text.
     *
     * @throws IllegalArgumentException naming the key and what the schedule accepts
     */
    public static SchedulerOptions fromKwargs(SchedulerType type, Map<String, ?> kwargs) {
        List<String> accepted = ACCEPTED.get(type);
        for (String key : kwargs.keySet()) {
            if (!accepted.contains(key)) {
                throw new IllegalArgumentException("lr_scheduler_kwargs key '" + key + "' is not read by "
                        + type.configName() + (accepted.isEmpty() ? ", which takes no arguments"
                        : "; it accepts " + String.join(", ", accepted)));
            }
        }
        SchedulerOptions d = defaults();
        if (type == SchedulerType.GREEDY) {      // its keys overlap plateau's with other defaults: read apart
            return new SchedulerOptions(d.numCycles(), d.lrEnd(), d.power(), d.timescale(), d.minLr(), d.minLrRate(),
                    d.warmupLrRate(), d.numStableSteps(), d.numDecaySteps(), d.warmupType(), d.decayType(),
                    d.minLrRatio(), d.factor(), d.patience(), d.threshold(), d.cooldown(),
                    GreedyLr.Options.fromKwargs(kwargs));
        }
        return new SchedulerOptions(
                optionalNumber(kwargs, "num_cycles").map(OptionalDouble::of).orElse(d.numCycles()),
                number(kwargs, "lr_end", d.lrEnd()), number(kwargs, "power", d.power()),
                optionalNumber(kwargs, "timescale").map(v -> OptionalLong.of(whole(v, "timescale")))
                        .orElse(d.timescale()),
                optionalNumber(kwargs, "min_lr").map(OptionalDouble::of).orElse(d.minLr()),
                optionalNumber(kwargs, "min_lr_rate").map(OptionalDouble::of).orElse(d.minLrRate()),
                optionalNumber(kwargs, "warmup_lr_rate").map(OptionalDouble::of).orElse(d.warmupLrRate()),
                optionalNumber(kwargs, "num_stable_steps").map(v -> OptionalLong.of(whole(v, "num_stable_steps")))
                        .orElse(d.numStableSteps()),
                optionalNumber(kwargs, "num_decay_steps").map(v -> OptionalLong.of(whole(v, "num_decay_steps")))
                        .orElse(d.numDecaySteps()),
                text(kwargs, "warmup_type", d.warmupType()), text(kwargs, "decay_type", d.decayType()),
                number(kwargs, "min_lr_ratio", d.minLrRatio()), number(kwargs, "factor", d.factor()),
                (int) whole(number(kwargs, "patience", d.patience()), "patience"),
                number(kwargs, "threshold", d.threshold()),
                (int) whole(number(kwargs, "cooldown", d.cooldown()), "cooldown"), d.greedy());
    }

    private static Optional<Double> optionalNumber(Map<String, ?> kwargs, String key) {
        Object v = kwargs.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Number n) {
            return Optional.of(n.doubleValue());
        }
        try {
            return Optional.of(Double.parseDouble(v.toString().strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lr_scheduler_kwargs " + key + " must be a number, got '" + v + "'");
        }
    }

    private static double number(Map<String, ?> kwargs, String key, double fallback) {
        return optionalNumber(kwargs, key).orElse(fallback);
    }

    private static long whole(double v, String key) {
        if (v != Math.rint(v) || v < 0) {
            throw new IllegalArgumentException("lr_scheduler_kwargs " + key + " must be a whole number >= 0, got " + v);
        }
        return (long) v;
    }

    private static String text(Map<String, ?> kwargs, String key, String fallback) {
        Object v = kwargs.get(key);
        return v == null ? fallback : v.toString().strip();
    }
}
