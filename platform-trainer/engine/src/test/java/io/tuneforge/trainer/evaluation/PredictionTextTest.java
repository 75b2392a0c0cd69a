package io.tuneforge.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Predictions are stored as raters should read them: no special tokens, only valid UTF-8. */
class PredictionTextTest {

    @Test
    void specialTokensSpelledOutAsCharactersAreRemovedByTheTokenizersOwnTexts() {
        try (TextTokenizer stories = TextTokenizer.load(Fixtures.stories260K())) {
            assertThat(stories.specialTokenTexts()).containsExactlyInAnyOrder("<unk>", "<s>", "</s>");
            // "</s>" as four ordinary character tokens: decode(skip special tokens) keeps them, the clean-up does not
            int[] spelled = spelledOut(stories, "Hi</s>");
            assertThat(Arrays.stream(spelled).anyMatch(stories::isSpecial)).isFalse();
            String decoded = stories.decode(spelled);
            assertThat(decoded).isEqualTo("Hi</s>");

            assertThat(PredictionText.clean(decoded, stories)).isEqualTo("Hi");
        }
    }

    @Test
    void anAnswerCutInsideAMultiByteCharacterKeepsOnlyWholeCharacters() {
        try (TextTokenizer stories = TextTokenizer.load(Fixtures.stories260K())) {
            int[] ids = stories.encode("law 法律");                   // byte-fallback: one token per UTF-8 byte
            assertThat(stories.decode(ids)).isEqualTo("law 法律");
            // the last byte of "律" missing: the tokenizer turns the whole unfinished byte run into U+FFFD
            String cut = stories.decode(Arrays.copyOf(ids, ids.length - 1));
            assertThat(cut).startsWith("law ").contains("\uFFFD");

            String clean = PredictionText.clean(cut, stories);

            assertThat(clean).isEqualTo("law ");
            assertThat(new String(clean.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(clean);
        }
    }

    /** The ids of {@code text} one character at a time, as a model generating it character by character gives them. */
    private static int[] spelledOut(TextTokenizer tokenizer, String text) {
        int prefix = tokenizer.encode("a").length;
        return text.chars().flatMap(c -> {
            int[] withPrefix = tokenizer.encode("a" + (char) c);
            return Arrays.stream(withPrefix, prefix, withPrefix.length);
        }).toArray();
    }

    @Test
    void longerTokensGoFirstAndSpacingStaysAsGenerated() {
        List<String> chatMl = List.of("<|im_end|>", "<|im_start|>", "<|endoftext|>");

        assertThat(PredictionText.clean("  Paris.\n<|im_end|>\n", chatMl)).isEqualTo("  Paris.\n\n");
        assertThat(PredictionText.clean("a\uD83D\uDE00b\uD83Dc", chatMl)).isEqualTo("a\uD83D\uDE00bc");
        assertThat(PredictionText.clean(null, chatMl)).isEmpty();
    }
}
