package io.tuneforge.web.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RaterTextTest {

    @Test
    void specialTokensLeftByGenerationAreRemoved() {
        assertThat(RaterText.clean("Paris.</s>")).isEqualTo("Paris.");
        assertThat(RaterText.clean("<s> Hi<|im_end|>\n<|endoftext|>")).isEqualTo("Hi");
        assertThat(RaterText.clean("Sure<|eot_id|><|start_header_id|>")).isEqualTo("Sure");
        assertThat(RaterText.clean("[INST] q [/INST] a<end_of_turn>")).isEqualTo("q  a");
    }

    @Test
    void brokenCharactersAreRemovedAndWholeOnesKept() {
        assertThat(RaterText.clean("盗窃\uFFFD罪")).isEqualTo("盗窃罪");
        assertThat(RaterText.clean("ok \uD83D")).isEqualTo("ok");
        assertThat(RaterText.clean("smile \uD83D\uDE00")).isEqualTo("smile \uD83D\uDE00");
    }

    @Test
    void textThatMerelyLooksLikeMarkupStays() {
        assertThat(RaterText.clean("a <b>bold</b> claim, x < y > z")).isEqualTo("a <b>bold</b> claim, x < y > z");
        assertThat(RaterText.clean(null)).isEmpty();
    }
}
