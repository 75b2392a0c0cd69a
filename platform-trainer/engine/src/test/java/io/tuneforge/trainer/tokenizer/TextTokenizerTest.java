package io.tuneforge.trainer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;

import java.nio.file.Files;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TextTokenizerTest {

    @Test
    void storiesAddsBosFromItsTemplatePostProcessorAndDecodesTheReferenceIds() throws Exception {
        var dir = Fixtures.stories260K();
        int[] reference = JsonMapper.builder().build().readValue(
                Files.readString(dir.resolve("greedy_reference_ids.json")), int[].class);
        String text = Files.readString(dir.resolve("greedy_reference_text.txt"));
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            SpecialTokens s = tok.specialTokens();
            assertThat(s.addBos()).isTrue();
            assertThat(s.bosId()).hasValue(1);
            assertThat(s.eosIds()).containsExactly(2);
            assertThat(tok.encodeWithBos("")).containsExactly(1);
            assertThat(text).endsWith("\n");                                     // the file ends with the printed newline
            assertThat(tok.decode(reference)).isEqualTo(text.substring(0, text.length() - 1));
        }
    }

    @Test
    void longInputsAreNeitherTruncatedNorPadded() {
        try (TextTokenizer tok = TextTokenizer.load(Fixtures.stories260K())) {
            String longText = "Once upon a time there was a cat. ".repeat(200);
            int[] ids = tok.encode(longText);
            assertThat(ids.length).isGreaterThan(1000);
            assertThat(tok.encode("cat")).doesNotContain(0, 1, 2);
            assertThat(tok.decode(tok.encodeWithBos(longText))).isEqualTo(longText);
        }
    }

    @Test
    void llama3WithOnlyAByteLevelPostProcessorAddsNoBeginOfTextAndRecognisesSpecialTokensInText() {
        try (TextTokenizer tok = TextTokenizer.load(Fixtures.path("tokenizers/llama3"))) {
            SpecialTokens s = tok.specialTokens();
            assertThat(s.bosId()).hasValue(128000);
            assertThat(s.addBos()).isFalse();                                   // as transformers: the post-processor decides
            assertThat(s.eosIds()).contains(128001);
            assertThat(tok.encodeWithBos("Hello world")).containsExactly(9906, 1917);
            assertThat(tok.encode("<|eot_id|>")).containsExactly(128009);
            assertThat(tok.isSpecial(128009)).isTrue();
        }
    }

    @Test
    void qwen3HasNoBosAndEndsOnImEnd() {
        try (TextTokenizer tok = TextTokenizer.load(Fixtures.path("tokenizers/qwen3"))) {
            SpecialTokens s = tok.specialTokens();
            assertThat(s.addBos()).isFalse();
            assertThat(s.bosId()).isEmpty();
            assertThat(s.eosIds()).containsExactly(151645);
            assertThat(tok.encodeWithBos("Hello world")).containsExactly(9707, 1879);
            assertThat(tok.encode("<|im_start|>user")).containsExactly(151644, 872);
        }
    }

    @Test
    void incrementalDecodingNeverEmitsBrokenCharactersAndConcatenatesToTheFullText() {
        String text = "Hi 世界! naïve café 🙂 done";
        for (String name : new String[] {"tokenizers/qwen3", "tokenizers/llama3", "models/stories260K"}) {
            try (TextTokenizer tok = TextTokenizer.load(Fixtures.path(name))) {
                int[] ids = tok.encode(text);
                IncrementalDecoder decoder = new IncrementalDecoder(tok);
                StringBuilder streamed = new StringBuilder();
                for (int id : ids) {
                    String piece = decoder.add(id);
                    assertThat(piece).as(name).doesNotContain("\uFFFD");
                    streamed.append(piece);
                }
                streamed.append(decoder.flush());
                assertThat(streamed.toString()).as(name).isEqualTo(tok.decode(ids)).isEqualTo(text);
            }
        }
    }

    @Test
    void byteFallbackPiecesAreHeldUntilTheCharacterIsComplete() {
        try (TextTokenizer tok = TextTokenizer.load(Fixtures.stories260K())) {
            int[] ids = tok.encode("é");
            assertThat(ids.length).as(Arrays.toString(ids)).isGreaterThan(1);
            IncrementalDecoder decoder = new IncrementalDecoder(tok);
            StringBuilder pieces = new StringBuilder();
            for (int i = 0; i < ids.length - 1; i++) {
                pieces.append(decoder.add(ids[i]));
            }
            assertThat(pieces.toString()).doesNotContain("é").doesNotContain("\uFFFD");
            assertThat(decoder.add(ids[ids.length - 1])).endsWith("é");
        }
    }
}
