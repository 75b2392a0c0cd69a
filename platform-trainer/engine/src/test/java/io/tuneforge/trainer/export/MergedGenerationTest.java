package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance: greedy generation on the merged model equals generation with the adapter attached to the base. */
class MergedGenerationTest {

    private static final List<String> PROMPTS = List.of("", "Once upon a time");

    @TempDir
    Path dir;

    @Test
    void mergedModelGeneratesTheSameTokensAsBasePlusAdapter() throws Exception {
        Path base = Fixtures.stories260K();
        Path adapter = dir.resolve("adapter");
        try (var weights = SafetensorsWeightSource.openModelDir(base)) {
            List<String> targets = new ArrayList<>();
            for (int layer = 0; layer < 5; layer++) {
                targets.add("model.layers." + layer + ".self_attn.q_proj.weight");
                targets.add("model.layers." + layer + ".self_attn.v_proj.weight");
            }
            TestAdapters.write(adapter, weights, targets, 8, 16.0, 0.15, 3);
        }
        Path merged = dir.resolve("merged");
        LoraMerger.merge(new MergeOptions(base, adapter, merged, MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.of(SafetensorsDType.F32), false));

        List<int[]> withAdapter = generate(base, Optional.of(adapter));
        List<int[]> fromMerged = generate(merged, Optional.empty());
        List<int[]> plainBase = generate(base, Optional.empty());
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(fromMerged.get(i)).as("prompt '" + PROMPTS.get(i) + "'").containsExactly(withAdapter.get(i));
        }
        assertThat(withAdapter.stream().map(java.util.Arrays::toString).toList())
                .as("the adapter must change what the model says, or this test proves nothing")
                .isNotEqualTo(plainBase.stream().map(java.util.Arrays::toString).toList());
    }

    private static List<int[]> generate(Path model, Optional<Path> adapter) throws Exception {
        List<int[]> out = new ArrayList<>();
        try (LlamaModel llama = LlamaModel.load(model, ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(model)) {
            if (adapter.isPresent()) {
                PeftAdapter.load(llama, adapter.get(), false);
            }
            Generator generator = new Generator(llama, tokenizer);
            for (String prompt : PROMPTS) {
                out.add(generator.generate(prompt, GenerationConfig.greedy(32), text -> { }).tokenIds());
            }
        }
        return out;
    }
}
