package io.tuneforge.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.preparation.DatasetMix;
import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.template.ChatMessage;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Several datasets in one job: each dataset's training rows are used {@code ratio} times per epoch. */
class DatasetMixTest {

    private static Example qa(String q, String a) {
        return Example.chat(List.of(ChatMessage.of("user", q), ChatMessage.of("assistant", a)), List.of());
    }

    private static List<Example> rows(int n, String prefix) {
        return IntStream.range(0, n).mapToObj(i -> qa(prefix + "q" + i, prefix + "a" + i)).toList();
    }

    private static long from(List<Example> rows, String prefix) {
        return rows.stream().filter(r -> r.messages().getFirst().content().startsWith(prefix)).count();
    }

    private static final PreparationOptions SPLIT = PreparationOptions.defaults().withValSize(ValSize.count(10));

    @Test
    void oneDatasetWithRatioOneIsPreparedExactlyAsBefore() {
        List<Example> data = rows(50, "a");
        PreparationOptions options = SPLIT.withMaxSamples(40).withSeed(7);

        DatasetMix.Mixed mixed = DatasetMix.prepare(List.of(new DatasetMix.Part("a", data, 1)), options);
        PreparedDataset alone = DatasetPreparation.prepare(data, options);

        assertThat(mixed.train()).containsExactlyElementsOf(alone.train());
        assertThat(mixed.validation()).containsExactlyElementsOf(alone.validation());
        assertThat(mixed.rows()).containsExactly(new DatasetMix.PartRows("a", 30, 10));
    }

    @Test
    void ratioOneUsesEveryRowOnceAndHalfUsesASeededHalfOfTheTrainingRows() {
        DatasetMix.Mixed mixed = DatasetMix.prepare(List.of(new DatasetMix.Part("a", rows(30, "a"), 1),
                new DatasetMix.Part("b", rows(30, "b"), 0.5)), SPLIT);

        DatasetMix.PartRows a = mixed.rows().get(0);
        DatasetMix.PartRows b = mixed.rows().get(1);
        assertThat(a.train() + a.validation()).isEqualTo(30);
        assertThat(a.validation() + b.validation()).isEqualTo(10);
        int bTrainRows = 30 - b.validation();
        assertThat(b.train()).isEqualTo(Math.round(bTrainRows * 0.5f));
        assertThat(from(mixed.train(), "a")).isEqualTo(a.train());
        assertThat(from(mixed.train(), "b")).isEqualTo(b.train());
        assertThat(new HashSet<>(mixed.train())).hasSize(mixed.train().size());
        assertThat(mixed.train()).doesNotContainAnyElementsOf(mixed.validation());
    }

    @Test
    void ratioTwoUsesEveryTrainingRowTwiceAndNeverRepeatsValidationRows() {
        DatasetMix.Mixed mixed = DatasetMix.prepare(List.of(new DatasetMix.Part("a", rows(20, "a"), 2),
                new DatasetMix.Part("b", rows(20, "b"), 1)), SPLIT);

        Map<Example, Long> uses = mixed.train().stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        uses.forEach((row, count) -> assertThat(count)
                .isEqualTo(row.messages().getFirst().content().startsWith("a") ? 2L : 1L));
        DatasetMix.PartRows a = mixed.rows().get(0);
        assertThat(a.train()).isEqualTo(2 * (20 - a.validation()));
        assertThat(mixed.validation()).hasSize(10).doesNotHaveDuplicates();
        assertThat(mixed.train()).doesNotContainAnyElementsOf(mixed.validation());
    }

    @Test
    void theFractionalSampleFollowsTheSeed() {
        List<DatasetMix.Part> parts = List.of(new DatasetMix.Part("a", rows(40, "a"), 1.5),
                new DatasetMix.Part("b", rows(40, "b"), 0.25));

        List<Example> first = DatasetMix.prepare(parts, SPLIT.withSeed(1)).train();

        assertThat(DatasetMix.prepare(parts, SPLIT.withSeed(1)).train()).containsExactlyElementsOf(first);
        assertThat(DatasetMix.prepare(parts, SPLIT.withSeed(2)).train()).isNotEqualTo(first);
    }

    @Test
    void maxSamplesCapsEachDatasetAndDuplicatesAcrossDatasetsCountOnce() {
        List<Example> shared = rows(5, "s");
        List<Example> a = new java.util.ArrayList<>(shared);
        a.addAll(rows(20, "a"));
        List<Example> b = new java.util.ArrayList<>(shared);
        b.addAll(rows(20, "b"));

        DatasetMix.Mixed mixed = DatasetMix.prepare(List.of(new DatasetMix.Part("a", a, 1),
                new DatasetMix.Part("b", b, 1)), SPLIT.withMaxSamples(10));

        DatasetMix.PartRows rowsA = mixed.rows().get(0);
        DatasetMix.PartRows rowsB = mixed.rows().get(1);
        assertThat(rowsA.train() + rowsA.validation()).isEqualTo(10);
        assertThat(rowsB.train() + rowsB.validation()).isEqualTo(5);
        assertThat(from(mixed.train(), "b") + from(mixed.validation(), "b")).isEqualTo(5);
    }

    @Test
    void aRatioOfZeroOrBelowIsRefusedWithTheDatasetName() {
        assertThatThrownBy(() -> new DatasetMix.Part("alpaca", rows(3, "a"), 0))
                .isInstanceOf(DatasetException.class).hasMessageContaining("alpaca").hasMessageContaining("above 0");
    }
}
