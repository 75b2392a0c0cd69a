package io.tuneforge.trainer.training.preference;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Running means of the preference metrics with TRL's names: {@code rewards/chosen}, {@code rewards/rejected},
 * {@code rewards/accuracies} (share of pairs whose chosen reward is higher), {@code rewards/margins},
 * {@code logps/chosen}, {@code logps/rejected} (the last two only where the loss has log-probabilities: not for a
 * reward model, whose rewards are its scores).
 *
 * <p>KTO's examples are unpaired ({@link PreferenceObjective.PairLosses#unpaired()}): rewards and log-probabilities
 * are averaged over the desirable and over the undesirable examples separately, {@code rewards/margins} is the
 * difference of the two means when both kinds were seen, there is no accuracy, and {@code kl} is the mean of the
 * batches' KL estimates (TRL's {@code KTOTrainer} logs).
 */
public final class PreferenceMetrics {

    /** The metric names, in the order they are written. */
    public static final String REWARDS_CHOSEN = "rewards/chosen";
    public static final String REWARDS_REJECTED = "rewards/rejected";
    public static final String REWARDS_ACCURACIES = "rewards/accuracies";
    public static final String REWARDS_MARGINS = "rewards/margins";
    public static final String LOGPS_CHOSEN = "logps/chosen";
    public static final String LOGPS_REJECTED = "logps/rejected";
    public static final String KL = "kl";

    private double chosen;
    private double rejected;
    private double accurate;
    private double logpsChosen;
    private double logpsRejected;
    private long pairs;
    private long logpsPairs;
    /** KTO: desirable and undesirable examples seen, the sum of batch KL estimates and their count. */
    private long chosenCount;
    private long rejectedCount;
    private double klSum;
    private long klBatches;

    /** Adds one batch's pairs (or KTO examples). */
    public void add(PreferenceObjective.PairLosses losses) {
        if (losses.unpaired()) {
            addUnpaired(losses);
            return;
        }
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

    private void addUnpaired(PreferenceObjective.PairLosses losses) {
        for (int i = 0; i < losses.chosenRewards().length; i++) {
            chosen += losses.chosenRewards()[i];
            logpsChosen += losses.chosenLogps()[i];
        }
        for (int i = 0; i < losses.rejectedRewards().length; i++) {
            rejected += losses.rejectedRewards()[i];
            logpsRejected += losses.rejectedLogps()[i];
        }
        chosenCount += losses.chosenRewards().length;
        rejectedCount += losses.rejectedRewards().length;
        klSum += losses.kl().orElseThrow();
        klBatches++;
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
        chosenCount += other.chosenCount;
        rejectedCount += other.rejectedCount;
        klSum += other.klSum;
        klBatches += other.klBatches;
    }

    /** Pairs (or KTO examples) seen. */
    public long pairs() {
        return pairs + chosenCount + rejectedCount;
    }

    /** The means by metric name; empty when nothing was added. */
    public Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (klBatches > 0) {
            return unpairedMeans(out);
        }
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

    private Map<String, Double> unpairedMeans(Map<String, Double> out) {
        if (chosenCount > 0) {
            out.put(REWARDS_CHOSEN, chosen / chosenCount);
        }
        if (rejectedCount > 0) {
            out.put(REWARDS_REJECTED, rejected / rejectedCount);
        }
        if (chosenCount > 0 && rejectedCount > 0) {
            out.put(REWARDS_MARGINS, chosen / chosenCount - rejected / rejectedCount);
        }
        if (chosenCount > 0) {
            out.put(LOGPS_CHOSEN, logpsChosen / chosenCount);
        }
        if (rejectedCount > 0) {
            out.put(LOGPS_REJECTED, logpsRejected / rejectedCount);
        }
        out.put(KL, klSum / klBatches);
        return out;
    }
}
