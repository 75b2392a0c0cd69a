package io.tuneforge.trainer.data.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.encoding.LengthBucket;
import io.tuneforge.trainer.data.encoding.Segment;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The preview the CLI and the Datasets page show: LLaMA-Factory's identity.json rendered for Llama 3. */
class TrainingPreviewsTest {

    private static final String END_OF_TURN = "<|eot_id|>";

    private static TrainingPreview preview(int cutoff, int samples, int statisticsRows) {
        return TrainingPreviews.preview(DatasetSpec.detecting(identity()), ValidationOptions.defaults(),
                llama3(), Optional.empty(), EncodingOptions.defaults().withCutoff(cutoff), samples, statisticsRows);
    }

    @Test
    void trainedSegmentsAreExactlyTheAssistantAnswers() {
        JsonNode rows = JsonMapper.builder().build().readTree(identity().toFile());

        TrainingPreview preview = preview(2048, 5, TrainingPreviews.ALL_ROWS);

        assertThat(preview.samples()).hasSize(5);
        assertThat(preview.template()).isNotBlank();
        for (int i = 0; i < 5; i++) {
            EncodedExample sample = preview.samples().get(i);
            String answer = rows.get(i).get("output").asString();
            assertThat(sample.segments().stream().filter(Segment::trained).map(Segment::text))
                    .as("trained text of row %d", i).containsExactly(answer + END_OF_TURN);
            String prompt = sample.segments().stream().filter(s -> !s.trained()).map(Segment::text)
                    .collect(Collectors.joining());
            assertThat(prompt).contains(rows.get(i).get("instruction").asString()).doesNotContain(answer);
        }
    }

    @Test
    void labelMasksKeepOnlyTheAnswerTokens() {
        JsonNode rows = JsonMapper.builder().build().readTree(identity().toFile());
        TrainingPreview preview = preview(2048, 3, TrainingPreviews.ALL_ROWS);

        try (TextTokenizer tokenizer = TextTokenizer.load(llama3())) {
            for (int i = 0; i < 3; i++) {
                TokenizedSample sample = preview.samples().get(i).sample();
                int[] trained = Arrays.stream(sample.labels()).filter(l -> l != TokenizedSample.IGNORE_INDEX).toArray();
                assertThat(tokenizer.decode(trained, false)).as("labelled tokens of row %d", i)
                        .isEqualTo(rows.get(i).get("output").asString() + END_OF_TURN);
                for (int t = 0; t < sample.length(); t++) {
                    int label = sample.labels()[t];
                    assertThat(label == TokenizedSample.IGNORE_INDEX || label == sample.inputIds()[t]).isTrue();
                }
            }
        }
    }

    @Test
    void histogramCountsEveryRowOnce() {
        TrainingPreview preview = preview(2048, 1, TrainingPreviews.ALL_ROWS);

        List<LengthBucket> buckets = preview.stats().buckets();
        assertThat(preview.totalRows()).isEqualTo(91);
        assertThat(preview.stats().rows()).isEqualTo(91);
        assertThat(preview.statisticsCoverAllRows()).isTrue();
        assertThat(buckets.stream().mapToLong(LengthBucket::count).sum()).isEqualTo(91);
        for (int i = 1; i < buckets.size(); i++) {
            assertThat(buckets.get(i).low()).isEqualTo(buckets.get(i - 1).high() + 1);
        }
        int[] lengths = preview.stats().lengths();
        for (LengthBucket bucket : buckets) {
            long inside = Arrays.stream(lengths).filter(l -> l >= bucket.low() && l <= bucket.high()).count();
            assertThat(bucket.count()).as("bucket %d-%d", bucket.low(), bucket.high()).isEqualTo(inside);
        }
    }

    @Test
    void truncatedCountIsTheRowsLongerThanASmallCutoff() {
        int[] untruncatedLengths = preview(4096, 0, TrainingPreviews.ALL_ROWS).stats().lengths();
        int cutoff = 32;
        long longer = Arrays.stream(untruncatedLengths).filter(l -> l > cutoff).count();

        TrainingPreview preview = preview(cutoff, 10, TrainingPreviews.ALL_ROWS);

        assertThat(longer).isBetween(1L, 90L);
        assertThat(preview.stats().truncated()).isEqualTo((int) longer);
        assertThat(preview.stats().lengths()).containsExactly(untruncatedLengths);
        for (EncodedExample sample : preview.samples()) {
            assertThat(sample.sample().length()).isLessThanOrEqualTo(cutoff);
            assertThat(sample.truncated()).isEqualTo(sample.fullLength() > cutoff);
        }
    }

    @Test
    void statisticsMayCoverOnlyTheFirstRows() {
        TrainingPreview preview = preview(2048, 3, 10);

        assertThat(preview.stats().rows()).isEqualTo(10);
        assertThat(preview.totalRows()).isEqualTo(91);
        assertThat(preview.statisticsCoverAllRows()).isFalse();
        assertThat(preview.samples()).hasSize(3);
    }

    @Test
    void splitHoldsOutTheValidationShareOfTheDistinctRows() {
        LoadedDataset data = Datasets.load(DatasetSpec.detecting(identity()),
                ValidationOptions.defaults());

        SplitPreview fraction = SplitPreview.of(data.examples(), ValSize.of(0.2), 42);
        SplitPreview count = SplitPreview.of(data.examples(), ValSize.of(10), 7);

        int distinct = 91 - fraction.duplicatesRemoved() - fraction.emptiedRows();
        assertThat(fraction.inputRows()).isEqualTo(91);
        assertThat(fraction.validationRows()).isEqualTo((int) Math.round(0.2 * distinct));
        assertThat(fraction.trainRows()).isEqualTo(distinct - fraction.validationRows());
        assertThat(count.validationRows()).isEqualTo(10);
        assertThat(count.trainRows()).isEqualTo(distinct - 10);
        assertThatThrownBy(() -> SplitPreview.of(data.examples(), ValSize.of(distinct), 42))
                .isInstanceOf(DatasetException.class).hasMessageContaining("leaves no training rows");
    }

    private static Path identity() {
        return Fixtures.path("datasets/llama_factory/identity.json");
    }

    private static Path llama3() {
        return Fixtures.path("tokenizers/llama3");
    }
}
