package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig.NonLinearity;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig.Placement;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merge (and so GGUF export) refuses prefix-tuning and bottleneck adapters with the reason and what to do instead. */
class UnmergeableAdapterTest {

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(UnmergeableAdapterTest.class.getResource("/prefix/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private MergeOptions merging(Path adapter) {
        return new MergeOptions(resource("tiny-llama"), adapter, dir.resolve("merged"),
                MergeOptions.DEFAULT_MAX_SHARD_BYTES, Optional.empty(), true);
    }

    @Test
    void aPeftPrefixAdapterIsRefusedWithTheReasonAndNothingIsWritten() {
        assertThatThrownBy(() -> LoraMerger.merge(merging(resource("adapter"))))
                .isInstanceOf(ExportException.class)
                .hasMessageContaining("cannot merge (or export to GGUF)")
                .hasMessageContaining("prefix-tuning adapter cannot be merged")
                .hasMessageContaining("beside the base model");
        assertThat(dir.resolve("merged")).doesNotExist();
    }

    @Test
    void bottleneckAdaptersAreRefusedWithTheReason() throws IOException {
        Path adapter = dir.resolve("bottleneck");
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.training(new FineTuning.Bottleneck(
                new BottleneckConfig(4, Placement.PFEIFFER, NonLinearity.RELU)), 1))) {
            model.saveTrained(adapter);
        }
        assertThatThrownBy(() -> LoraMerger.merge(merging(adapter)))
                .isInstanceOf(ExportException.class)
                .hasMessageContaining("bottleneck adapters cannot be merged");
    }
}
