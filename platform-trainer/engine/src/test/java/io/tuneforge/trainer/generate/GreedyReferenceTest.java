package io.tuneforge.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class GreedyReferenceTest {

    @Test
    void greedyDecodingFromBosReproducesLlama2cReference() throws Exception {
        Path dir = Fixtures.stories260K();
        int[] reference = JsonMapper.builder().build().readValue(
                Files.readString(dir.resolve("greedy_reference_ids.json")), int[].class);
        String text = Files.readString(dir.resolve("greedy_reference_text.txt"));
        try (LlamaModel model = LlamaModel.load(dir, ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            int threads = JniUtils.getNumThreads();                     // the engine is loaded now
            JniUtils.setNumThreads(1);                                  // token-by-token decoding: see GenerateCommand
            try {
                StringBuilder streamed = new StringBuilder();
                GenerationResult result = new Generator(model, tokenizer)
                        .generate("", GenerationConfig.greedy(200), streamed::append);
                int[] ids = new int[result.tokenIds().length + 1];
                ids[0] = 1;
                System.arraycopy(result.tokenIds(), 0, ids, 1, result.tokenIds().length);
                assertThat(ids).as(Arrays.toString(ids)).containsExactly(reference);
                assertThat(result.text() + "\n").isEqualTo(text);
                assertThat(streamed.toString()).isEqualTo(result.text());
            } finally {
                JniUtils.setNumThreads(threads);
            }
        }
    }
}
