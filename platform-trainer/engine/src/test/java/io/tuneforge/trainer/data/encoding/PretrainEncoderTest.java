package io.tuneforge.trainer.data.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.PretrainData;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Stage pt's data: LLaMA-Factory's pre-training processor (text + EOS, joined, cut into cutoff_len blocks). */
class PretrainEncoderTest {

    @Test
    void packingJoinsDocumentsWithEosAndCutsFullBlocksWhereEveryTokenTrains() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            List<Example> documents = List.of(Example.text("Once upon a time there was a cat."),
                    Example.text("The dog ran to the park and played with a red ball."), Example.text("The end."));
            int eos = tokenizer.specialTokens().eosIds().getFirst();
            List<Integer> stream = new ArrayList<>();
            for (Example d : documents) {
                for (int id : tokenizer.encode(d.messages().getFirst().content())) {
                    stream.add(id);
                }
                stream.add(eos);
            }
            List<TokenizedSample> blocks = new PretrainEncoder(tokenizer, 8, true).encodeAll(documents);

            assertThat(blocks).hasSize(stream.size() / 8);
            for (int b = 0; b < blocks.size(); b++) {
                TokenizedSample block = blocks.get(b);
                assertThat(block.length()).isEqualTo(8);
                assertThat(block.labels()).isEqualTo(block.inputIds());
                for (int t = 1; t < 8; t++) {
                    assertThat(block.inputIds()[t]).isEqualTo(stream.get(b * 8 + t));
                }
                int first = tokenizer.specialTokens().addBos() ? tokenizer.specialTokens().bosId().getAsInt()
                        : stream.get(b * 8);
                assertThat(block.inputIds()[0]).isEqualTo(first);
            }
        }
    }

    @Test
    void withoutPackingEachDocumentIsOneSampleCutAtTheCutoff() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            List<TokenizedSample> samples = new PretrainEncoder(tokenizer, 6, false).encodeAll(
                    List.of(Example.text("Once upon a time there was a cat."), Example.text("Hi.")));
            assertThat(samples).hasSize(2);
            assertThat(samples.get(0).length()).isEqualTo(6);
            assertThat(samples.get(1).inputIds()[samples.get(1).length() - 1])
                    .isEqualTo(tokenizer.specialTokens().eosIds().getFirst());
            assertThat(samples.get(1).labels()).isEqualTo(samples.get(1).inputIds());
        }
    }

    @Test
    void readsLlamaFactoryC4DemoAndRefusesConversations() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            PretrainData data = PretrainData.build(List.of("c4_demo"),
                    Optional.of(Fixtures.path("datasets/llama_factory")), PreparationOptions.defaults().withMaxSamples(20),
                    new PretrainEncoder(tokenizer, 64, true));
            assertThat(data.train()).isNotEmpty().allSatisfy(block -> assertThat(block.length()).isEqualTo(64));
            assertThatThrownBy(() -> new PretrainEncoder(tokenizer, 64, true).encodeAll(List.of(Example.chat(
                    List.of(ChatMessage.of("user", "hi"), ChatMessage.of("assistant", "hello")), List.of()))))
                    .isInstanceOf(DatasetException.class).hasMessageContaining("stage pt trains on raw text");
        }
    }
}
