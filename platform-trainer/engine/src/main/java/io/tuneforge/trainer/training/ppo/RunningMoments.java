package io.tuneforge.trainer.training.ppo;

/**
 * TRL's {@code RunningMoments} for {@code ppo_score_norm}: the running mean and (Bessel-corrected) standard deviation
 * of every score seen, updated batch by batch with the parallel variance formula.
 */
final class RunningMoments {

    private double mean;
    private double variance = 1;
    private double std = 1;
    private double count = 1e-24;

    /** Adds a batch of scores. */
    void update(double[] xs) {
        double batchMean = 0;
        for (double x : xs) {
            batchMean += x;
        }
        batchMean /= xs.length;
        double batchVar = 0;
        for (double x : xs) {
            batchVar += (x - batchMean) * (x - batchMean);
        }
        batchVar /= xs.length;
        double delta = batchMean - mean;
        double total = count + xs.length;
        double sum = batchVar * xs.length + variance * count + delta * delta * count * xs.length / total;
        mean += delta * xs.length / total;
        variance = sum / total;
        std = Math.sqrt(variance * total / Math.max(1e-12, total - 1));
        count = total;
    }

    /**
     * The moments as a checkpoint keeps them (a resumed run normalises scores exactly as the uninterrupted one).
     *
     * @param mean     running mean of the scores
     * @param variance running (population) variance
     * @param std      Bessel-corrected standard deviation
     * @param count    scores seen (starts at 1e-24, as TRL)
     */
    record State(double mean, double variance, double std, double count) {
    }

    State state() {
        return new State(mean, variance, std, count);
    }

    void restore(State state) {
        mean = state.mean();
        variance = state.variance();
        std = state.std();
        count = state.count();
    }

    double mean() {
        return mean;
    }

    double std() {
        return std;
    }
}
