package io.tuneforge.trainer.training.preference;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Running means of the preference metrics over pairs, with TRL's names: {@code rewards/chosen},
 * {@code rewards/rejected}, {@code rewards/accuracies} (share of pairs whose chosen reward is higher),
 * {@code rewards/margins}, {@code logps/chosen}, {@code logps/rejected} (the last two only where the loss has
 * log-probabilities: not for a reward model, whose rewards are its scores).
 */
public final class PreferenceMetrics {

    /** The metric names, in the order they are written. */
    public static final String REWARDS_CHOSEN = "rewards/chosen";
    public static final String REWARDS_REJECTED = "rewards/rejected";
    public static final String REWARDS_ACCURACIES = "rewards/accuracies";
    public static final String REWARDS_MARGINS = "rewards/margins";
    public static final String LOGPS_CHOSEN = "logps/chosen";
    public static final String LOGPS_REJECTED = "logps/rejected";

    private double chosen;
    private double rejected;
    private double accurate;
    private double logpsChosen;
    private double logpsRejected;
    private long pairs;
    private long logpsPairs;

    /** Adds one batch's pairs. */
    public void add(PreferenceObjective.PairLosses losses) {
        for (int i = 0; i < losses.chosenRewards().length; i++) {
            chosen += losses.chosenRewards()[i];
            rejected += losses.rejectedRewards()[i];
            accurate += losses.chosenRewards()[i] > losses.rejectedRewards()[i] ? 1 : 0;
            if (losses.chosenLogps().length > 0) {
                logpsChosen += losses.chosenLogps()[i];
                logpsRejected += losses.rejectedLogps()[i];
                logpsPairs++;
            }
            pairs++;
        }
    }

    /** Adds another accumulator's pairs. */
    public void add(PreferenceMetrics other) {
        chosen += other.chosen;
        rejected += other.rejected;
        accurate += other.accurate;
        logpsChosen += other.logpsChosen;
        logpsRejected += other.logpsRejected;
        pairs += other.pairs;
        logpsPairs += other.logpsPairs;
    }

    /** Pairs seen. */
    public long pairs() {
        return pairs;
    }

    /** The means by metric name; empty when no pair was added. */
    public Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (pairs == 0) {
            return out;
        }
        out.put(REWARDS_CHOSEN, chosen / pairs);
        out.put(REWARDS_REJECTED, rejected / pairs);
        out.put(REWARDS_ACCURACIES, accurate / pairs);
        out.put(REWARDS_MARGINS, (chosen - rejected) / pairs);
        if (logpsPairs > 0) {
            out.put(LOGPS_CHOSEN, logpsChosen / logpsPairs);
            out.put(LOGPS_REJECTED, logpsRejected / logpsPairs);
        }
        return out;
    }
}
