package io.tuneforge.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.data.preparation.DatasetPreparation;
import io.tuneforge.trainer.data.preparation.Mixing;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.PreparedDataset;
import io.tuneforge.trainer.data.preparation.TextNormalizer;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.template.ChatMessage;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;

class DatasetPreparationTest {

    private static Example qa(String q, String a) {
        return Example.chat(List.of(ChatMessage.of("user", q), ChatMessage.of("assistant", a)), List.of());
    }

    private static List<Example> rows(int n, String prefix) {
        return IntStream.range(0, n).mapToObj(i -> qa(prefix + "q" + i, prefix + "a" + i)).toList();
    }

    @Test
    void normalisesWhitespaceAndStripsControlCharactersButKeepsIndentation() {
        String text = "\uFEFF  Hello\u00A0world\u0007 \r\n\r\n\r\n\r\n    indented code\t \rend\u200B  ";

        assertThat(TextNormalizer.normalize(text)).isEqualTo("Hello world\n\n    indented code\nend");
    }

    @Test
    void removesExactDuplicatesAfterNormalisation() {
        List<Example> rows = List.of(qa("hi", "hello"), qa("hi ", "hello\r\n"), qa("other", "x"));

        PreparedDataset prepared = DatasetPreparation.prepare(rows, PreparationOptions.defaults().withValSize(ValSize.NONE));

        assertThat(prepared.duplicatesRemoved()).isEqualTo(1);
        assertThat(prepared.train()).hasSize(2);
    }

    @Test
    void dropsRowsThatNormalisationEmpties() {
        List<Example> rows = List.of(qa("hi", "\u0000\u0001"), qa("a", "b"));

        PreparedDataset prepared = DatasetPreparation.prepare(rows, PreparationOptions.defaults().withValSize(ValSize.NONE));

        assertThat(prepared.emptiedRows()).isEqualTo(1);
        assertThat(prepared.train()).containsExactly(qa("a", "b"));
    }

    @Test
    void keepsTheFirstMaxSamples() {
        PreparedDataset prepared = DatasetPreparation.prepare(rows(10, ""),
                PreparationOptions.defaults().withMaxSamples(4).withValSize(ValSize.NONE));

        assertThat(prepared.cutByMaxSamples()).isEqualTo(6);
        assertThat(new HashSet<>(prepared.train())).isEqualTo(new HashSet<>(rows(4, "")));
    }

    @Test
    void splitsTwentyPercentForValidationByDefaultReproduciblyWithTheSeed() {
        List<Example> rows = rows(100, "");

        PreparedDataset a = DatasetPreparation.prepare(rows, PreparationOptions.defaults());
        PreparedDataset b = DatasetPreparation.prepare(rows, PreparationOptions.defaults());
        PreparedDataset c = DatasetPreparation.prepare(rows, PreparationOptions.defaults().withSeed(7));

        assertThat(a.validation()).hasSize(20);
        assertThat(a.train()).hasSize(80);
        assertThat(a.validation()).isEqualTo(b.validation());
        assertThat(a.validation()).isNotEqualTo(c.validation());
        List<Example> all = new ArrayList<>(a.train());
        all.addAll(a.validation());
        assertThat(all).containsExactlyInAnyOrderElementsOf(rows);
    }

    @Test
    void acceptsValSizeAsACount() {
        PreparedDataset prepared = DatasetPreparation.prepare(rows(30, ""),
                PreparationOptions.defaults().withValSize(ValSize.of(7)));

        assertThat(prepared.validation()).hasSize(7);
        assertThat(ValSize.of(0.1).fraction()).isEqualTo(0.1);
        assertThatThrownBy(() -> ValSize.of(30).rowsFor(30)).hasMessageContaining("leaves no training rows");
    }

    @Test
    void mixesGeneralDataAtTheGivenShareOfTheTrainingSplit() {
        PreparedDataset prepared = DatasetPreparation.prepare(rows(90, "task"),
                PreparationOptions.defaults().withValSize(ValSize.NONE).withMixing(new Mixing(rows(50, "general"), 0.1)));

        assertThat(prepared.generalRows()).isEqualTo(10);
        assertThat(prepared.train()).hasSize(100);
        assertThat(prepared.train()).filteredOn(e -> e.messages().getFirst().content().startsWith("general"))
                .hasSize(10);
    }
}
