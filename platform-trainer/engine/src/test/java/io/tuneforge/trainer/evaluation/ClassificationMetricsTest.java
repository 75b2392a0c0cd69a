package io.tuneforge.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected values worked out by hand below; they equal scikit-learn's for the same inputs. */
class ClassificationMetricsTest {

    private static final List<String> CLASSES = List.of("a", "b", "c");
    private static final List<String> TRUTH = List.of("a", "a", "b", "b", "c", "c");
    private static final double[][] PROBABILITIES = {
            {0.7, 0.2, 0.1}, // a -> a
            {0.3, 0.4, 0.3}, // a -> b
            {0.2, 0.6, 0.2}, // b -> b
            {0.5, 0.3, 0.2}, // b -> a
            {0.1, 0.1, 0.8}, // c -> c
            {0.2, 0.2, 0.6}, // c -> c
    };

    @Test
    void accuracyIsTheShareOfArgmaxHits() {
        var m = ClassificationMetrics.fromProbabilities(TRUTH, CLASSES, PROBABILITIES);
        assertThat(m.samples()).isEqualTo(6);
        assertThat(m.accuracy()).isCloseTo(4.0 / 6, within(1e-12));
    }

    @Test
    void macroF1AveragesPerClassF1Unweighted() {
        // a: tp1 fp1 fn1 -> 0.5; b: tp1 fp1 fn1 -> 0.5; c: tp2 -> 1.0; mean 2/3
        var m = ClassificationMetrics.fromProbabilities(TRUTH, CLASSES, PROBABILITIES);
        assertThat(m.macroF1()).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void aucRocIsTheMacroMeanOfOneVsRestAucs() {
        // a: positives {.7,.3} vs negatives {.2,.5,.1,.2}: 4 + 3 wins of 8 = 0.875; b: {.6,.3} vs {.2,.4,.1,.2} = 0.875;
        // c: {.8,.6} vs {.1,.3,.2,.2} = 1.0; mean 2.75 / 3
        var m = ClassificationMetrics.fromProbabilities(TRUTH, CLASSES, PROBABILITIES);
        assertThat(m.aucRoc()).hasValueCloseTo(2.75 / 3, within(1e-12));
    }

    @Test
    void tiedScoresCountHalfInTheAuc() {
        // sklearn.metrics.roc_auc_score([1, 0, 0], [0.5, 0.5, 0.2]) == 0.75
        assertThat(ClassificationMetrics.binaryAuc(List.of(0.5), List.of(0.5, 0.2))).isEqualTo(0.75);
    }

    @Test
    void aLabelOnlyPredictedCountsInMacroF1WithZero() {
        // x: tp1 fn1 -> 2/3; y: fp1 -> 0; mean 1/3
        var m = ClassificationMetrics.fromLabels(List.of("x", "x"), List.of("x", "y"));
        assertThat(m.labels()).containsExactly("x", "y");
        assertThat(m.macroF1()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.accuracy()).isEqualTo(0.5);
        assertThat(m.aucRoc()).isEmpty();
    }

    @Test
    void aucIsAbsentWhenEveryRowHasTheSameClass() {
        var m = ClassificationMetrics.fromProbabilities(List.of("a", "a"), List.of("a", "b"),
                new double[][] {{0.9, 0.1}, {0.4, 0.6}});
        assertThat(m.aucRoc()).isEmpty();
    }

    @Test
    void rejectsATrueLabelOutsideTheClasses() {
        assertThatThrownBy(() -> ClassificationMetrics.fromProbabilities(List.of("z"), CLASSES,
                new double[][] {{0.2, 0.3, 0.5}}))
                .hasMessageContaining("'z'");
    }
}
