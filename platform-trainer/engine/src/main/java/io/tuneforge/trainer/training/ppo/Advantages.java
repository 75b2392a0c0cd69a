package io.tuneforge.trainer.training.ppo;

/**
 * GAE and whitening as TRL's {@code PPOTrainer.compute_advantages} and {@code masked_whiten}, on one row's response
 * tokens (no mask needed: a row's arrays hold its response positions only).
 */
public final class Advantages {

    private Advantages() {
    }

    /**
     * Generalised advantage estimation: {@code δ_t = r_t + γ·V_{t+1} − V_t} ({@code V_T = 0}),
     * {@code A_t = δ_t + γλ·A_{t+1}}, returns {@code A_t + V_t}.
     *
     * @param rewards per-token rewards of one response
     * @param values  the critic's value at each of its tokens
     * @return {advantages, returns}
     */
    public static double[][] gae(double[] rewards, double[] values, double gamma, double lam) {
        int n = rewards.length;
        double[] advantages = new double[n];
        double[] returns = new double[n];
        double last = 0;
        for (int t = n - 1; t >= 0; t--) {
            double next = t + 1 < n ? values[t + 1] : 0;
            double delta = rewards[t] + gamma * next - values[t];
            last = delta + gamma * lam * last;
            advantages[t] = last;
            returns[t] = last + values[t];
        }
        return new double[][] {advantages, returns};
    }

    /**
     * {@code (x − mean)/sqrt(var + 1e-8)} with the unbiased variance (PyTorch's {@code masked_var}, Bessel-corrected),
     * the mean added back when {@code shiftMean} is false (TRL whitens rewards that way).
     */
    public static double[] whiten(double[] x, boolean shiftMean) {
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= x.length;
        double squares = 0;
        for (double v : x) {
            squares += (v - mean) * (v - mean);
        }
        double variance = x.length > 1 ? squares / (x.length - 1) : 0;
        double scale = 1 / Math.sqrt(variance + 1e-8);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean) * scale + (shiftMean ? 0 : mean);
        }
        return out;
    }
}
