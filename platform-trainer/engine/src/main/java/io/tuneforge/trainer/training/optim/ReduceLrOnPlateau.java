package io.tuneforge.trainer.training.optim;

/**
 * PyTorch's {@code ReduceLROnPlateau} in mode {@code min} with a relative threshold, as the Hugging Face Trainer
 * uses it for {@code lr_scheduler_type: reduce_lr_on_plateau}: no warmup, the base learning rate until the validation
 * loss stops improving, then {@code lr = max(lr * factor, min_lr)} after more than {@code patience} evaluations
 * without a relative improvement of {@code threshold}, followed by {@code cooldown} evaluations that do not count.
 * Stepped once per evaluation with the validation loss.
 */
public final class ReduceLrOnPlateau {

    /** PyTorch's {@code eps}: reductions smaller than this are skipped. */
    private static final double EPS = 1e-8;

    private final SchedulerOptions options;
    private State state;

    /**
     * The mutable part, stored in checkpoints.
     *
     * @param learningRate    the current learning rate
     * @param best            the lowest validation loss so far (infinity before the first evaluation)
     * @param badEvaluations  evaluations since the last improvement
     * @param cooldownLeft    evaluations left in the cooldown after a reduction
     */
    public record State(double learningRate, double best, int badEvaluations, int cooldownLeft) {
    }

    public ReduceLrOnPlateau(double baseLearningRate, SchedulerOptions options) {
        this.options = options;
        this.state = new State(baseLearningRate, Double.POSITIVE_INFINITY, 0, 0);
    }

    /** The learning rate of the next steps. */
    public double learningRate() {
        return state.learningRate();
    }

    /** Records one evaluation's loss (PyTorch's {@code scheduler.step(metric)}). */
    public void record(double validationLoss) {
        double best = state.best();
        int bad = state.badEvaluations();
        int cooldown = state.cooldownLeft();
        double lr = state.learningRate();
        if (validationLoss < best * (1.0 - options.threshold())) {
            best = validationLoss;
            bad = 0;
        } else {
            bad++;
        }
        if (cooldown > 0) {
            cooldown--;
            bad = 0;
        }
        if (bad > options.patience()) {
            double reduced = Math.max(lr * options.factor(), options.minLr().orElse(0.0));
            if (lr - reduced > EPS) {
                lr = reduced;
            }
            cooldown = options.cooldown();
            bad = 0;
        }
        state = new State(lr, best, bad, cooldown);
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
