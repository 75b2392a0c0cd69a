package io.tuneforge.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchGeneratorTest {

    /** Prompts of very different lengths (left padding from 0 to many positions) and answers of different lengths. */
    private static final List<String> PROMPTS = List.of(
            "Once upon a time",
            "Lily",
            "One day, a little girl named Lily found a needle in her room. She knew it was difficult to play with it",
            "The cat sat on the mat and",
            "Tom and Sue went to the park. They saw a big dog. The dog was",
            "Once");

    @Test
    void batchedGreedyAnswersEqualOneAtATimeTokenForToken() throws Exception {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            GenerationConfig greedy = GenerationConfig.greedy(60).withStopStrings(List.of("."));
            List<GenerationResult> batched = new BatchGenerator(model, tokenizer).generate(PROMPTS, greedy);

            for (int i = 0; i < PROMPTS.size(); i++) {
                GenerationResult alone = new Generator(model, tokenizer).generate(PROMPTS.get(i), greedy, t -> { });
                assertThat(batched.get(i).tokenIds()).as("row %d: %s", i, PROMPTS.get(i))
                        .containsExactly(alone.tokenIds());
                assertThat(batched.get(i).text()).isEqualTo(alone.text());
                assertThat(batched.get(i).stopReason()).isEqualTo(alone.stopReason());
            }
            // the rows did not all end alike: some stopped at the stop string, so the batch shrank mid-way
            assertThat(batched).extracting(GenerationResult::stopReason).contains(StopReason.STOP_STRING);
            assertThat(batched.stream().mapToInt(r -> r.tokenIds().length).distinct().count()).isGreaterThan(1);
        }
    }

    @Test
    void batchedGreedyWithoutStopsRunsEveryRowToTheTokenLimit() throws Exception {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            GenerationConfig greedy = GenerationConfig.greedy(40);
            List<GenerationResult> batched = new BatchGenerator(model, tokenizer).generate(PROMPTS, greedy);
            for (int i = 0; i < PROMPTS.size(); i++) {
                GenerationResult alone = new Generator(model, tokenizer).generate(PROMPTS.get(i), greedy, t -> { });
                assertThat(batched.get(i).tokenIds()).as("row %d", i).containsExactly(alone.tokenIds());
            }
        }
    }
}
