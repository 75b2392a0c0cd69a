package io.tuneforge.trainer.training.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's {@code GreedyLR} ({@code lr_scheduler_type: greedy}, transformers' {@code optimization.py}): stepped,
 * like {@link ReduceLrOnPlateau}, once per evaluation with the validation loss. After more than {@code patience}
 * improving evaluations in a row the learning rate is divided by {@code factor} (at most {@code max_lr}), after more
 * than {@code patience} evaluations without improvement multiplied by it (at least {@code min_lr}); {@code cooldown}
 * evaluations follow a reduction and {@code warmup} an increase without counting; {@code reset_start} evaluations at
 * {@code min_lr} bring back the initial state; {@code smooth} compares a rolling mean of {@code window_size} losses.
 * A transcription of transformers 5.18 (one parameter group), checked against it in {@code GreedyLrTest}.
 */
public final class GreedyLr {

    /** The {@code lr_scheduler_kwargs} keys GreedyLR reads. */
    public static final List<String> KEYS = List.of("mode", "factor", "patience", "threshold", "threshold_mode",
            "cooldown", "warmup", "min_lr", "max_lr", "eps", "smooth", "window_size", "reset_start");

    /**
     * Its arguments with transformers' defaults.
     *
     * @param minimise      {@code mode}: min (true, the loss) or max
     * @param factor        {@code factor} (0.95), below 1
     * @param patience      {@code patience} (10)
     * @param threshold     {@code threshold} (1e-6)
     * @param relative      {@code threshold_mode}: rel (true) or abs (false, the default)
     * @param cooldown      {@code cooldown} (0)
     * @param warmup        {@code warmup} (0): evaluations after an increase that do not count
     * @param minLr         {@code min_lr} (1e-3)
     * @param maxLr         {@code max_lr} (1.0)
     * @param eps           {@code eps} (1e-8): smaller changes are skipped
     * @param smooth        {@code smooth} (false)
     * @param windowSize    {@code window_size} (50)
     * @param resetStart    {@code reset_start} (500)
     */
    public record Options(boolean minimise, double factor, int patience, double threshold, boolean relative,
                          int cooldown, int warmup, double minLr, double maxLr, double eps, boolean smooth,
                          int windowSize, int resetStart) {

        public Options {
            if (!(factor < 1.0)) {
                throw new IllegalArgumentException("lr_scheduler_kwargs factor of greedy must be < 1.0, got " + factor);
            }
        }

        /** transformers' defaults. */
        public static Options defaults() {
            return new Options(true, 0.95, 10, 1e-6, false, 0, 0, 1e-3, 1.0, 1e-8, false, 50, 500);
        }

        /** Reads greedy's {@code lr_scheduler_kwargs} (keys checked by {@link SchedulerOptions#fromKwargs}). */
        public static Options fromKwargs(Map<String, ?> kwargs) {
            Options d = defaults();
            String mode = text(kwargs, "mode", "min");
            String thresholdMode = text(kwargs, "threshold_mode", "abs");
            if (!List.of("min", "max").contains(mode) || !List.of("rel", "abs").contains(thresholdMode)) {
                throw new IllegalArgumentException("lr_scheduler_kwargs of greedy: mode must be min or max and "
                        + "threshold_mode rel or abs, got " + mode + " and " + thresholdMode);
            }
            return new Options(mode.equals("min"), number(kwargs, "factor", d.factor()),
                    (int) number(kwargs, "patience", d.patience()), number(kwargs, "threshold", d.threshold()),
                    thresholdMode.equals("rel"), (int) number(kwargs, "cooldown", d.cooldown()),
                    (int) number(kwargs, "warmup", d.warmup()), number(kwargs, "min_lr", d.minLr()),
                    number(kwargs, "max_lr", d.maxLr()), number(kwargs, "eps", d.eps()),
                    Boolean.parseBoolean(text(kwargs, "smooth", "false")),
                    (int) number(kwargs, "window_size", d.windowSize()),
                    (int) number(kwargs, "reset_start", d.resetStart()));
        }

        private static double number(Map<String, ?> kwargs, String key, double fallback) {
            Object v = kwargs.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString().strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("lr_scheduler_kwargs " + key + " must be a number, got '" + v + "'");
            }
        }

        private static String text(Map<String, ?> kwargs, String key, String fallback) {
            Object v = kwargs.get(key);
            return v == null ? fallback : v.toString().strip().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The mutable part, stored in checkpoints.
     *
     * @param learningRate  the current learning rate
     * @param best          the best (smoothed) loss so far
     * @param bad           evaluations without improvement in a row
     * @param good          improving evaluations in a row
     * @param cooldownLeft  evaluations left in the cooldown after a reduction
     * @param warmupLeft    evaluations left in the warmup after an increase
     * @param resetStart    evaluations at min_lr left before the reset
     * @param window        the smoothing window's losses, oldest first (empty without {@code smooth})
     * @param windowSum     their running sum, as transformers keeps it
     */
    public record State(double learningRate, double best, int bad, int good, int cooldownLeft, int warmupLeft,
                        int resetStart, List<Double> window, double windowSum) {

        public State {
            window = List.copyOf(window);
        }
    }

    private final double initialLearningRate;
    private final Options options;
    private State state;

    public GreedyLr(double initialLearningRate, Options options) {
        this.initialLearningRate = initialLearningRate;
        this.options = options;
        this.state = initial();
    }

    private State initial() {
        return new State(initialLearningRate, options.minimise() ? Double.POSITIVE_INFINITY
                : Double.NEGATIVE_INFINITY, 0, 0, 0, 0, options.resetStart(), List.of(), 0.0);
    }

    /** The learning rate of the next steps. */
    public double learningRate() {
        return state.learningRate();
    }

    /** Records one evaluation's metric (transformers' {@code scheduler.step(metrics)}). */
    public void record(double metric) {
        State s = state;
        double current = metric;
        List<Double> window = new ArrayList<>(s.window());
        double sum = s.windowSum();
        if (options.smooth()) {
            window.add(metric);
            sum += metric;
            if (window.size() > options.windowSize()) {
                sum -= window.removeFirst();
            }
            current = sum / window.size();
        }
        double lr = s.learningRate();
        double best = s.best();
        int bad = s.bad();
        int good = s.good();
        int cooldown = s.cooldownLeft();
        int warmup = s.warmupLeft();
        int resetStart = s.resetStart();
        if (cooldown > 0) {
            cooldown--;
            bad = 0;
            good = 0;
        } else if (warmup > 0) {
            warmup--;
            bad = 0;
            good = 0;
        } else {
            if (isBetter(current, best)) {
                best = current;
                bad = 0;
                good++;
            } else {
                bad++;
                good = 0;
            }
            if (good > options.patience()) {
                double raised = Math.min(lr / options.factor(), options.maxLr());
                if (raised - lr > options.eps()) {
                    lr = raised;
                }
                resetStart = options.resetStart();
                warmup = options.warmup();
                good = 0;
            } else if (bad > options.patience()) {
                double reduced = Math.max(lr * options.factor(), options.minLr());
                if (lr - reduced > options.eps()) {
                    lr = reduced;
                }
                if (!(lr > options.minLr())) {
                    resetStart--;
                    if (resetStart <= 0) {             // _reset(): the initial state, then step() sets the cooldown
                        State reset = initial();
                        state = new State(reset.learningRate(), reset.best(), 0, 0, options.cooldown(), 0,
                                reset.resetStart(), List.of(), 0.0);
                        return;
                    }
                }
                cooldown = options.cooldown();
                bad = 0;
            }
        }
        state = new State(lr, best, bad, good, cooldown, warmup, resetStart, window, sum);
    }

    private boolean isBetter(double current, double best) {
        if (options.minimise()) {
            return options.relative() ? current < best * (1.0 - options.threshold())
                    : current < best - options.threshold();
        }
        return options.relative() ? current > best * (1.0 + options.threshold()) : current > best + options.threshold();
    }

    /** The state for a checkpoint. */
    public State state() {
        return state;
    }

    /** Continues from a checkpoint's state. */
    public void restore(State restored) {
        this.state = restored;
    }
}
