package io.tuneforge.trainer.model.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.KvCache;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prefix tuning against PEFT itself (golden files from src/test/python/prefix_tuning_golden.py: a tiny random GQA
 * Llama and two PEFT PREFIX_TUNING adapters with random prefixes, one trained through the reparameterisation MLP).
 */
class PrefixTuningTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(PrefixTuningTest.class.getResource("/prefix/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode reference() throws IOException {
        return JSON.readTree(Files.readString(resource("reference.json")));
    }

    private static long[] inputIds(JsonNode reference) {
        JsonNode ids = reference.get("input_ids");
        long[] input = new long[ids.size()];
        for (int i = 0; i < input.length; i++) {
            input[i] = ids.get(i).asLong();
        }
        return input;
    }

    /** Logits (1, T, V) of a full forward without a cache, flattened. */
    private static float[] logits(LlamaModel model, long[] input) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(input, new Shape(1, input.length));
            return model.logits(step, model.hiddenStates(step, ids, false)).toFloatArray();
        }
    }

    private static void assertClose(float[] actual, JsonNode expected, String what) {
        assertThat(actual).as(what).hasSize(expected.size());
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("%s[%d]", what, i).isCloseTo(expected.get(i).asDouble(), within(2e-4));
        }
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("%s[%d]", what, i).isCloseTo(expected[i], within(tolerance));
        }
    }

    private static LlamaModel withAdapter(String adapter) throws IOException {
        LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference());
        assertThat(AdapterFiles.load(model, resource(adapter), false)).isEqualTo(AdapterFiles.Kind.PREFIX);
        return model;
    }

    @Test
    void peftPrefixAdaptersGivePeftsLogits() throws IOException {
        JsonNode reference = reference();
        long[] input = inputIds(reference);
        try (LlamaModel base = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            assertClose(logits(base, input), reference.get("base_logits"), "base logits");
        }
        try (LlamaModel model = withAdapter("adapter")) {
            assertClose(logits(model, input), reference.get("prefix_logits"), "prefix logits");
            try (LlamaModel.BaseOnly base = model.adaptersDisabled()) {   // a preference run's reference pass
                assertClose(logits(model, input), reference.get("base_logits"), "prefix switched off");
            }
        }
        try (LlamaModel model = withAdapter("projected")) {
            assertThat(model.prefixConfig().orElseThrow().prefixProjection()).isTrue();
            assertClose(logits(model, input), reference.get("projected_prefix_logits"), "projected prefix logits");
        }
    }

    @Test
    void decodingWithAKvCacheGivesTheLogitsOfTheFullForward() throws IOException {
        long[] input = inputIds(reference());
        try (LlamaModel model = withAdapter("adapter")) {
            float[] full = logits(model, input);
            int v = model.config().vocabSize();
            try (KvCache cache = model.newCache(); NDManager step = NDManager.newBaseManager()) {
                NDArray first = model.logits(step, model.hiddenStates(step, step.create(
                        java.util.Arrays.copyOf(input, 4), new Shape(1, 4)), false, cache));       // (1, 4, V)
                assertClose(first.toFloatArray(), java.util.Arrays.copyOf(full, 4 * v), 1e-4, "prompt logits");
                for (int t = 4; t < input.length; t++) {
                    NDArray next = model.logits(step, model.hiddenStates(step,
                            step.create(new long[] {input[t]}, new Shape(1, 1)), false, cache));     // (1, 1, V)
                    assertClose(next.toFloatArray(), java.util.Arrays.copyOfRange(full, t * v, (t + 1) * v), 1e-4,
                            "logits of token " + t + " decoded with the cache");
                }
            }
        }
    }

    @Test
    void aLeftPaddedRowOfABatchGetsTheLogitsItHasAlone() throws IOException {
        long[] input = inputIds(reference());
        long[] shorter = {input[0], input[1], input[2], input[3]};
        try (LlamaModel model = withAdapter("projected")) {
            float[] alone = logits(model, shorter);
            int v = model.config().vocabSize();
            long[] batch = new long[2 * input.length];
            System.arraycopy(input, 0, batch, 0, input.length);
            System.arraycopy(shorter, 0, batch, input.length + 3, shorter.length);             // 3 padding ids (0)
            try (KvCache cache = model.newCache(); NDManager step = NDManager.newBaseManager()) {
                NDArray hidden = model.hiddenStates(step, step.create(batch, new Shape(2, input.length)), cache,
                        new int[] {0, 3});                                                      // (2, T, C)
                float[] padded = model.logits(step, hidden.get(new NDIndex("1, 3:"))).toFloatArray();   // (4, V)
                assertClose(padded, alone, 1e-4, "left-padded row");
                NDArray next = model.hiddenStates(step, step.create(new long[] {5, 9}, new Shape(2, 1)), cache,
                        new int[] {0, 3});                                                      // (2, 1, C)
                float[] decoded = model.logits(step, next.get(new NDIndex("1, 0"))).toFloatArray();
                float[] aloneNext = logits(model, new long[] {shorter[0], shorter[1], shorter[2], shorter[3], 9});
                assertClose(decoded, java.util.Arrays.copyOfRange(aloneNext, 4 * v, 5 * v), 1e-4,
                        "decoded token of the padded row");
            }
        }
    }

    @Test
    void aTrainedPrefixSavesInPeftsFormatAndLoadsBackToTheSameLogits() throws IOException {
        long[] input = inputIds(reference());
        PrefixConfig settings = new PrefixConfig(4, true, 8);
        float[] trained;
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"),
                ModelOptions.training(new FineTuning.Prefix(settings), 9))) {
            assertThat(model.trainableParameters().keySet()).containsExactly(PrefixEncoder.EMBEDDING,
                    "prompt_encoder.default.transform.0.weight", "prompt_encoder.default.transform.0.bias",
                    "prompt_encoder.default.transform.2.weight", "prompt_encoder.default.transform.2.bias");
            trained = logits(model, input);
            model.saveTrained(dir);
            assertThatThrownBy(model::merge).hasMessageContaining("cannot be merged");
        }
        JsonNode config = JSON.readTree(Files.readString(dir.resolve("adapter_config.json")));
        assertThat(config.get("peft_type").asString()).isEqualTo("PREFIX_TUNING");
        assertThat(config.get("num_virtual_tokens").asInt()).isEqualTo(4);
        assertThat(config.get("token_dim").asInt()).isEqualTo(8);            // 2 key/value heads × hd 4
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(2);
        assertThat(config.get("num_layers").asInt()).isEqualTo(2);
        assertThat(config.get("prefix_projection").asBoolean()).isTrue();
        try (LlamaModel reloaded = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            AdapterFiles.load(reloaded, dir, false);
            assertClose(logits(reloaded, input), trained, 1e-5, "reloaded prefix");
        }
    }

    @Test
    void anAdapterForAnotherBaseModelIsRefusedNamingTheSizes() throws IOException {
        Path foreign = dir.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("adapter_config.json"), Files.readString(resource("adapter/adapter_config.json"))
                .replace("\"num_layers\": 2", "\"num_layers\": 3"));
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            assertThatThrownBy(() -> AdapterFiles.load(model, foreign, false))
                    .hasMessageContaining("num_layers 3").hasMessageContaining("another base model");
        }
    }
}
