package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A T5 / Flan-T5's size for the pre-flight estimate and the Models page (DD036): its config.json (d_model, d_ff,
 * num_layers, num_decoder_layers, feed_forward_proj) read as the decoder-only model with the same weights, so the
 * parameter count matches the published checkpoints up to a few norm vectors.
 */
class ModelDimensionsT5Test {

    @TempDir
    Path dir;

    /** google/flan-t5-base's config.json (the fields that size it): 247,577,856 parameters in its checkpoint. */
    private static final String FLAN_T5_BASE = """
            {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "d_model": 768, "d_ff": 2048,
             "d_kv": 64, "num_heads": 12, "num_layers": 12, "num_decoder_layers": 12, "vocab_size": 32128,
             "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false}""";

    /** google-t5/t5-small's config.json: 60,506,624 parameters, head tied to the shared embedding. */
    private static final String T5_SMALL = """
            {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "d_model": 512, "d_ff": 2048,
             "d_kv": 64, "num_heads": 8, "num_layers": 6, "vocab_size": 32128, "feed_forward_proj": "relu"}""";

    @Test
    void flanT5BaseHasItsCheckpointsParameterCount() throws IOException {
        ModelDimensions m = read(FLAN_T5_BASE);
        assertThat(m.layers()).isEqualTo(24);                          // 12 encoder + 12 decoder blocks
        assertThat(m.tiedEmbeddings()).isFalse();
        assertThat(m.parameters()).isBetween(247_550_000L, 247_600_000L);
    }

    @Test
    void t5SmallHasItsCheckpointsParameterCountWithTheTiedHead() throws IOException {
        ModelDimensions m = read(T5_SMALL);
        assertThat(m.layers()).isEqualTo(12);                          // num_decoder_layers defaults to num_layers
        assertThat(m.tiedEmbeddings()).isTrue();
        assertThat(m.parameters()).isBetween(60_490_000L, 60_520_000L);
    }

    private ModelDimensions read(String config) throws IOException {
        Files.writeString(dir.resolve("config.json"), config);
        return ModelDimensions.read(dir);
    }
}
