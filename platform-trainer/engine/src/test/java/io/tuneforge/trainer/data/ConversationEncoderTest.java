package io.tuneforge.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodedDataset;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.encoding.SamplePacker;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

class ConversationEncoderTest {

    private static Example twoTurns() {
        return Example.chat(List.of(ChatMessage.of("system", "Be kind."), ChatMessage.of("user", "Hello"),
                ChatMessage.of("assistant", "Hi there"), ChatMessage.of("user", "How are you?"),
                ChatMessage.of("assistant", "Fine, thanks")), List.of());
    }

    /** The text of the trained tokens, each maximal run decoded on its own. */
    private static List<String> trainedRuns(TextTokenizer tokenizer, TokenizedSample sample) {
        List<String> runs = new java.util.ArrayList<>();
        int i = 0;
        while (i < sample.length()) {
            if (sample.labels()[i] == TokenizedSample.IGNORE_INDEX) {
                i++;
                continue;
            }
            int start = i;
            while (i < sample.length() && sample.labels()[i] != TokenizedSample.IGNORE_INDEX) {
                i++;
            }
            runs.add(tokenizer.decode(Arrays.copyOfRange(sample.inputIds(), start, i), false));
        }
        return runs;
    }

    private static ConversationEncoder encoder(Path dir, Optional<String> template, TextTokenizer tokenizer,
            EncodingOptions options) {
        ChatTemplate chat = ChatTemplates.forModel(dir, template);
        return new ConversationEncoder(chat, tokenizer, options);
    }

    @Test
    void trainsOnlyAssistantResponsesInEveryTurnWithTheTemplatesEndOfTurn() {
        Path dir = Fixtures.path("tokenizers/llama3");
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            EncodedExample encoded = encoder(dir, Optional.empty(), tokenizer, EncodingOptions.defaults())
                    .encode(twoTurns());

            assertThat(trainedRuns(tokenizer, encoded.sample())).containsExactly("Hi there<|eot_id|>",
                    "Fine, thanks<|eot_id|>");
            assertThat(encoded.segments()).filteredOn(s -> s.trained()).hasSize(2);
        }
    }

    @Test
    void addsNoSecondBosWhenTheTemplateAlreadyWritesIt() {
        Path dir = Fixtures.path("tokenizers/llama3");
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            int bos = tokenizer.specialTokens().bosId().orElseThrow();
            TokenizedSample sample = encoder(dir, Optional.empty(), tokenizer, EncodingOptions.defaults())
                    .encode(twoTurns()).sample();

            assertThat(sample.inputIds()[0]).isEqualTo(bos);
            assertThat(sample.inputIds()[1]).isNotEqualTo(bos);
        }
    }

    @Test
    void trainOnPromptTrainsEveryToken() {
        Path dir = Fixtures.path("tokenizers/llama3");
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            TokenizedSample sample = encoder(dir, Optional.empty(), tokenizer,
                    EncodingOptions.defaults().withTrainOnPrompt(true)).encode(twoTurns()).sample();

            assertThat(sample.targetTokens()).isEqualTo(sample.length());
        }
    }

    @Test
    void qwen3DroppingEarlierThinkBlocksStillTrainsEveryAssistantTurn() {
        Path dir = Fixtures.path("tokenizers/qwen3");
        Example example = Example.chat(List.of(ChatMessage.of("user", "2+2?"),
                ChatMessage.of("assistant", "<think>\nadd\n</think>\n\nFour"), ChatMessage.of("user", "3+3?"),
                ChatMessage.of("assistant", "<think>\nadd again\n</think>\n\nSix")), List.of());
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            EncodedExample encoded = encoder(dir, Optional.empty(), tokenizer, EncodingOptions.defaults())
                    .encode(example);

            List<String> runs = trainedRuns(tokenizer, encoded.sample());
            assertThat(runs).hasSize(2);
            assertThat(runs.get(0)).isEqualTo("Four<|im_end|>");
            assertThat(runs.get(1)).isEqualTo("<think>\nadd again\n</think>\n\nSix<|im_end|>");
            assertThat(encoded.untrainedTurns()).isZero();
        }
    }

    @Test
    void builtinTemplateEndsEachResponseWithEos() {
        Path dir = Fixtures.stories260K();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            TokenizedSample sample = encoder(dir, Optional.of("default"), tokenizer, EncodingOptions.defaults())
                    .encode(twoTurns()).sample();

            int eos = tokenizer.specialTokens().eosIds().getFirst();
            List<String> runs = trainedRuns(tokenizer, sample);
            assertThat(runs).hasSize(2).allSatisfy(r -> assertThat(r).contains("</s>"));
            assertThat(sample.inputIds()[0]).isEqualTo(tokenizer.specialTokens().bosId().orElseThrow());
            assertThat(Arrays.stream(sample.labels()).filter(l -> l == eos).count()).isEqualTo(2);
        }
    }

    @Test
    void truncatesAtTheCutoffKeepingPartOfTheResponse() {
        Path dir = Fixtures.path("tokenizers/llama3");
        Example longAnswer = Example.chat(List.of(ChatMessage.of("user", "Tell me a story"),
                ChatMessage.of("assistant", "Once upon a time ".repeat(40))), List.of());
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            EncodedExample encoded = encoder(dir, Optional.empty(), tokenizer, EncodingOptions.defaults().withCutoff(64))
                    .encode(longAnswer);

            assertThat(encoded.truncated()).isTrue();
            assertThat(encoded.fullLength()).isGreaterThan(64);
            assertThat(encoded.sample().length()).isEqualTo(64);
            assertThat(encoded.sample().targetTokens()).isGreaterThan(32);
            assertThat(encoded.sample().labels()[0]).isEqualTo(TokenizedSample.IGNORE_INDEX);
        }
    }

    @Test
    void textExamplesGetBosAndEosAndTrainEverything() {
        Path dir = Fixtures.stories260K();
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            TokenizedSample sample = encoder(dir, Optional.of("default"), tokenizer, EncodingOptions.defaults())
                    .encode(Example.text("Once upon a time")).sample();

            assertThat(sample.inputIds()[0]).isEqualTo(1);
            assertThat(sample.inputIds()[sample.length() - 1]).isEqualTo(2);
            assertThat(sample.targetTokens()).isEqualTo(sample.length());
        }
    }

    @Test
    void zeroLossWeightTurnsAndPreferencePairs() {
        Path dir = Fixtures.path("tokenizers/llama3");
        Example weighted = Example.chat(List.of(ChatMessage.of("user", "a"),
                new ChatMessage("assistant", "skip me", Map.of("loss_weight", 0.0)), ChatMessage.of("user", "b"),
                ChatMessage.of("assistant", "train me")), List.of());
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            ConversationEncoder encoder = encoder(dir, Optional.empty(), tokenizer, EncodingOptions.defaults());

            assertThat(trainedRuns(tokenizer, encoder.encode(weighted).sample())).containsExactly("train me<|eot_id|>");
            Example pair = Example.preference(List.of(ChatMessage.of("user", "q")), List.of(),
                    ChatMessage.of("assistant", "good"), ChatMessage.of("assistant", "bad"));
            assertThatThrownBy(() -> encoder.encodeAll(List.of(pair))).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("example 0").hasMessageContaining("preference");
        }
    }

    @Test
    void encodeAllReportsStatisticsAndPacksWhenAsked() {
        Path dir = Fixtures.stories260K();
        List<Example> examples = List.of(Example.chat(List.of(ChatMessage.of("user", "hi"),
                ChatMessage.of("assistant", "hello")), List.of()), Example.chat(List.of(ChatMessage.of("user", "yo"),
                ChatMessage.of("assistant", "hey")), List.of()));
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            EncodedDataset plain = encoder(dir, Optional.of("default"), tokenizer, EncodingOptions.defaults())
                    .encodeAll(examples);
            EncodedDataset packed = encoder(dir, Optional.of("default"), tokenizer,
                    EncodingOptions.defaults().withPacking(true)).encodeAll(examples);

            assertThat(plain.samples()).hasSize(2);
            assertThat(plain.stats().rows()).isEqualTo(2);
            assertThat(plain.stats().histogram()).isNotEmpty();
            assertThat(packed.samples()).hasSize(1);
            assertThat(packed.samples().getFirst().length())
                    .isEqualTo(plain.samples().get(0).length() + plain.samples().get(1).length());
        }
    }

    @Test
    void packerStartsANewSequenceWhenTheNextSampleDoesNotFit() {
        TokenizedSample a = new TokenizedSample(new int[] {1, 2, 3}, new int[] {-100, 2, 3});
        TokenizedSample b = new TokenizedSample(new int[] {4, 5}, new int[] {-100, 5});

        List<TokenizedSample> packed = SamplePacker.pack(List.of(a, b, a), 5);

        assertThat(packed).hasSize(2);
        assertThat(packed.get(0).inputIds()).containsExactly(1, 2, 3, 4, 5);
        assertThat(packed.get(1).labels()).containsExactly(-100, 2, 3);
    }
}
