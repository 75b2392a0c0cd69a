package io.tuneforge.trainer.data.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.KtoData;
import io.tuneforge.trainer.data.KtoExample;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Stage kto's data, as LLaMA-Factory's feedback processor: each row's prompt with its own answer (labels on the answer
 * only) and with the previous row's answer (the first row takes the last row's), its kto_tag kept.
 */
class KtoEncoderTest {

    private static Example tagged(String question, String answer, boolean desirable) {
        return Example.chat(List.of(ChatMessage.of("user", question), ChatMessage.of("assistant", answer)), List.of())
                .withLabel(Boolean.toString(desirable));
    }

    @Test
    void eachExampleGetsThePreviousAnswerAsItsMismatchedCompletion() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            ChatTemplate template = ChatTemplates.forModel(Fixtures.stories260K(), Optional.of("default"));
            KtoEncoder encoder = new KtoEncoder(template, tokenizer, EncodingOptions.defaults().withCutoff(256));
            List<Example> rows = List.of(tagged("Who is Tom?", "Tom is a cat.", true),
                    tagged("Where is the ball?", "The ball is red.", false),
                    tagged("What did Lily eat?", "Lily ate a cake.", true));

            List<KtoExample> examples = encoder.encodeAll(rows);

            assertThat(examples).extracting(KtoExample::desirable).containsExactly(true, false, true);
            for (int i = 0; i < 3; i++) {
                KtoExample e = examples.get(i);
                int previous = (i + 2) % 3;
                assertThat(prompt(e.mismatched())).as("prompt of %d", i).isEqualTo(prompt(e.completion()));
                assertThat(answer(e.mismatched())).as("mismatched answer of %d", i)
                        .isEqualTo(answer(examples.get(previous).completion()));
                assertThat(tokenizer.decode(answer(e.completion()), true)).contains(rows.get(i).messages().getLast()
                        .content());
            }
        }
    }

    @Test
    void rowsWithoutAKtoTagAreRefusedNamingTheDataset() {
        List<Example> untagged = List.of(Example.chat(List.of(ChatMessage.of("user", "Hi"),
                ChatMessage.of("assistant", "Hello")), List.of()));
        assertThatThrownBy(() -> KtoData.requireKtoTags("identity", untagged))
                .isInstanceOf(DatasetException.class).hasMessageContaining("identity").hasMessageContaining("kto_tag");
    }

    @Test
    void kto_en_demoLoadsWithItsTagsMappedFromTheLabelColumn() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            ChatTemplate template = ChatTemplates.forModel(Fixtures.stories260K(), Optional.of("default"));
            KtoData data = KtoData.build(List.of("kto_en_demo"),
                    Optional.of(Fixtures.path("datasets/llama_factory")), PreparationOptions.defaults(),
                    new KtoEncoder(template, tokenizer, EncodingOptions.defaults().withCutoff(128)));
            List<KtoExample> all = new java.util.ArrayList<>(data.train());
            all.addAll(data.validation());
            assertThat(all).hasSize(300);
            assertThat(all.stream().filter(KtoExample::desirable).count()).isEqualTo(150);
            assertThat(data.validation()).hasSize(60);
        }
    }

    private static int[] prompt(TokenizedSample s) {
        int n = 0;
        while (s.labels()[n] == TokenizedSample.IGNORE_INDEX) {
            n++;
        }
        return Arrays.copyOf(s.inputIds(), n);
    }

    private static int[] answer(TokenizedSample s) {
        return Arrays.copyOfRange(s.inputIds(), prompt(s).length, s.length());
    }
}
