package io.tuneforge.trainer.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Metrics of a classification held-out set, computed as scikit-learn does: {@code accuracy_score},
 * {@code f1_score(average="macro")} over every label seen in the truth or the predictions (a label with P + R = 0
 * scores 0), and {@code roc_auc_score(multi_class="ovr",
 * average="macro")}: the unweighted mean over classes of the binary AUC of "is class c" scored by the probability of c,
 * ties counting one half (the trapezoidal ROC area).
 *
 * @param samples    number of rows
 * @param accuracy   share of exact label matches, in [0, 1]
 * @param macroF1    unweighted mean of per-label F1, in [0, 1]
 * @param aucRoc     one-vs-rest macro AUC-ROC; empty without probabilities, or when no class has both positive and
 *                   negative rows (scikit-learn raises there)
 * @param labels     the labels averaged over, in first-seen order
 */
public record ClassificationMetrics(int samples, double accuracy, double macroF1, OptionalDouble aucRoc,
                                    List<String> labels) {

    public ClassificationMetrics {
        labels = List.copyOf(labels);
    }

    /** Accuracy and macro-F1 from predicted labels (no AUC). */
    public static ClassificationMetrics fromLabels(List<String> truth, List<String> predicted) {
        requireSameSize(truth.size(), predicted.size(), "predicted labels");
        Set<String> labels = new LinkedHashSet<>(truth);
        labels.addAll(predicted);
        return new ClassificationMetrics(truth.size(), accuracy(truth, predicted), macroF1(truth, predicted, labels),
                OptionalDouble.empty(), new ArrayList<>(labels));
    }

    /**
     * All three metrics from label probabilities: {@code probabilities[i][k]} is the probability row i has
     * {@code classes.get(k)}; the prediction is the most probable class (the first on ties, like numpy's argmax).
     */
    public static ClassificationMetrics fromProbabilities(List<String> truth, List<String> classes,
                                                          double[][] probabilities) {
        requireSameSize(truth.size(), probabilities.length, "probability rows");
        List<String> predicted = new ArrayList<>();
        for (double[] row : probabilities) {
            if (row.length != classes.size()) {
                throw new IllegalArgumentException("a probability row has " + row.length + " values for "
                        + classes.size() + " classes");
            }
            predicted.add(classes.get(argmax(row)));
        }
        for (String t : truth) {
            if (!classes.contains(t)) {
                throw new IllegalArgumentException("true label '" + t + "' is not one of the classes " + classes);
            }
        }
        ClassificationMetrics byLabel = fromLabels(truth, predicted);
        return new ClassificationMetrics(byLabel.samples(), byLabel.accuracy(), byLabel.macroF1(),
                oneVsRestAuc(truth, classes, probabilities), byLabel.labels());
    }

    private static double accuracy(List<String> truth, List<String> predicted) {
        if (truth.isEmpty()) {
            return 0;
        }
        int correct = 0;
        for (int i = 0; i < truth.size(); i++) {
            if (truth.get(i).equals(predicted.get(i))) {
                correct++;
            }
        }
        return (double) correct / truth.size();
    }

    private static double macroF1(List<String> truth, List<String> predicted, Set<String> labels) {
        if (labels.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (String label : labels) {
            int tp = 0;
            int fp = 0;
            int fn = 0;
            for (int i = 0; i < truth.size(); i++) {
                boolean isTrue = truth.get(i).equals(label);
                boolean isPredicted = predicted.get(i).equals(label);
                if (isTrue && isPredicted) {
                    tp++;
                } else if (isPredicted) {
                    fp++;
                } else if (isTrue) {
                    fn++;
                }
            }
            int denominator = 2 * tp + fp + fn;
            sum += denominator == 0 ? 0 : 2.0 * tp / denominator;
        }
        return sum / labels.size();
    }

    private static OptionalDouble oneVsRestAuc(List<String> truth, List<String> classes, double[][] probabilities) {
        double sum = 0;
        int counted = 0;
        for (int k = 0; k < classes.size(); k++) {
            List<Double> positives = new ArrayList<>();
            List<Double> negatives = new ArrayList<>();
            for (int i = 0; i < truth.size(); i++) {
                (truth.get(i).equals(classes.get(k)) ? positives : negatives).add(probabilities[i][k]);
            }
            if (positives.isEmpty() || negatives.isEmpty()) {
                continue;
            }
            sum += binaryAuc(positives, negatives);
            counted++;
        }
        return counted == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / counted);
    }

    /** Probability that a random positive outscores a random negative, ties counting 1/2 (Mann-Whitney U / n·m). */
    static double binaryAuc(List<Double> positives, List<Double> negatives) {
        double wins = 0;
        for (double p : positives) {
            for (double n : negatives) {
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        return wins / ((double) positives.size() * negatives.size());
    }

    private static int argmax(double[] row) {
        int best = 0;
        for (int k = 1; k < row.length; k++) {
            if (row[k] > row[best]) {
                best = k;
            }
        }
        return best;
    }

    private static void requireSameSize(int truth, int other, String what) {
        if (truth != other) {
            throw new IllegalArgumentException(truth + " true labels but " + other + " " + what);
        }
    }
}
