package io.tuneforge.trainer.model.family;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.export.LoraMerger;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.KvCache;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelArchitecture;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Phi-3 ({@code Phi3ForCausalLM}: fused qkv_proj and gate_up_proj, longrope, sliding window) equals transformers on a
 * tiny random checkpoint made by {@code src/test/python/tiny_family_golden.py} (float32 logits and greedy output).
 */
class Phi3FamilyTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String RESOURCE = "/models/phi3-tiny/";

    @TempDir
    Path temp;

    @Test
    void logitsEqualTransformersWithShortAndLongRopeFactorsAndTheSlidingWindow() throws IOException {
        Path dir = checkpoint();
        JsonNode ref = reference();
        try (LlamaModel model = LlamaModel.load(dir, ModelOptions.inference())) {
            assertThat(model.config().architecture()).isEqualTo(ModelArchitecture.PHI3);
            assertThat(model.config().slidingWindow()).hasValue(5);
            assertThat(model.config().ropeScaling().orElseThrow().isLongRope()).isTrue();
            // 6 tokens: within the original 8 positions (short factors); 12 tokens: long factors, window 5 matters
            assertLogitsClose(model, ints(ref.path("short_ids")), ref.path("short_logits"));
            assertLogitsClose(model, ints(ref.path("long_ids")), ref.path("long_logits"));
        }
    }

    @Test
    void greedyDecodingThroughTheKvCacheEqualsTransformersGenerateAcrossTheLongRopeSwitch() throws IOException {
        Path dir = checkpoint();
        JsonNode ref = reference();
        try (LlamaModel model = LlamaModel.load(dir, ModelOptions.inference())) {
            int[] prompt = ints(ref.path("prompt"));
            // 4 + 10 tokens pass the 8 original positions: the cache is recomputed with the long factors there
            assertThat(greedy(model, prompt, ref.path("greedy").size())).containsExactly(ints(ref.path("greedy")));
            assertThat(greedy(model, prompt, ref.path("greedy_cached").size()))
                    .containsExactly(ints(ref.path("greedy_cached")));
        }
    }

    @Test
    void loraAllTargetsThePeftNamesOfPhi3AndATrainingStepLowersTheLoss() throws IOException {
        LoraConfig all = new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false);
        try (LlamaModel model = LlamaModel.load(checkpoint(), ModelOptions.training(new FineTuning.Lora(all), 7))) {
            assertThat(model.loraConfig().orElseThrow().targetModules())
                    .containsExactly("qkv_proj", "o_proj", "gate_up_proj", "down_proj");
            assertThat(model.trainableParameters().keySet()).hasSize(2 * 4 * 2)
                    .contains("base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight",
                            "base_model.model.model.layers.1.mlp.gate_up_proj.lora_B.weight");
            int[] ids = {1, 7, 33, 12, 5, 60, 2, 41, 19, 8};
            float before = sgdStep(model, ids, 0.5f);
            float after = loss(model, ids);
            assertThat(after).isLessThan(before);
        }
    }

    @Test
    void loraOnLlamaModuleNamesThatPhi3LacksFailsNamingItsModules() {
        LoraConfig q = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), false);
        assertThatThrownBy(() -> LlamaModel.load(checkpoint(), ModelOptions.training(new FineTuning.Lora(q), 7)))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("[q_proj, v_proj]")
                .hasMessageContaining("qkv_proj, o_proj, gate_up_proj, down_proj");
    }

    @Test
    void mergedAdapterHasExactlyTheCheckpointKeysAndTheTunedModelsLogits() throws IOException {
        Path base = checkpoint();
        Path adapter = temp.resolve("adapter");
        LoraConfig all = new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false);
        int[] ids = {1, 7, 33, 12, 5, 60, 2, 41};
        float[] tuned;
        try (LlamaModel model = LlamaModel.load(base, ModelOptions.training(new FineTuning.Lora(all), 7))) {
            sgdStep(model, ids, 0.5f);
            tuned = logits(model, ids);
            model.saveTrained(adapter);
        }
        Path merged = temp.resolve("merged");
        LoraMerger.merge(new MergeOptions(base, adapter, merged, MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.empty(), false));
        List<String> expectedKeys = new ArrayList<>();
        reference().path("checkpoint_keys").forEach(k -> expectedKeys.add(k.asString()));
        try (SafetensorsReader reader = SafetensorsReader.open(merged)) {
            assertThat(reader.names()).containsExactlyInAnyOrderElementsOf(expectedKeys);
        }
        try (LlamaModel reloaded = LlamaModel.load(merged, ModelOptions.inference())) {
            float[] again = logits(reloaded, ids);
            for (int i = 0; i < tuned.length; i++) {
                assertThat(again[i]).isCloseTo(tuned[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    /** One SGD step on the trainable (LoRA) parameters; returns the loss before it. */
    private static float sgdStep(LlamaModel model, int[] ids, float lr) {
        try (NDManager step = model.manager().newSubManager(); GradMode off = GradMode.disabled()) {
            float value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = lossArray(model, step, ids, true);
                value = loss.getFloat();
                gc.backward(loss);
            }
            NDArray rate = step.full(new Shape(), lr);
            for (NDArray p : model.trainableParameters().values()) {
                p.subi(p.getGradient().mul(rate));
                p.getGradient().subi(p.getGradient());
            }
            return value;
        }
    }

    private static float loss(LlamaModel model, int[] ids) {
        try (NDManager step = model.manager().newSubManager()) {
            return lossArray(model, step, ids, false).getFloat();
        }
    }

    /** Mean next-token cross-entropy over the sequence. */
    private static NDArray lossArray(LlamaModel model, NDManager step, int[] ids, boolean training) {
        int t = ids.length;
        NDArray logits = model.logits(step, model.hiddenStates(step, input(step, ids), training)); // (1, T, V)
        NDArray logProbs = logits.get(":, :{}, :", t - 1).logSoftmax(2);                           // (1, T-1, V)
        long[] next = new long[t - 1];
        for (int i = 1; i < t; i++) {
            next[i - 1] = ids[i];
        }
        NDArray targets = step.create(next, new Shape(1, t - 1, 1));
        return logProbs.gather(targets, 2).mean().neg();                                          // ()
    }

    private static float[] logits(LlamaModel model, int[] ids) {
        try (NDManager step = model.manager().newSubManager()) {
            return model.logits(step, model.hiddenStates(step, input(step, ids), false)).toFloatArray();
        }
    }

    private static void assertLogitsClose(LlamaModel model, int[] ids, JsonNode expected) {
        float[] actual = logits(model, ids);
        int v = model.config().vocabSize();
        for (int pos = 0; pos < ids.length; pos++) {
            for (int j = 0; j < v; j++) {
                assertThat(actual[pos * v + j]).as("position %d of %d, token %d", pos, ids.length, j)
                        .isCloseTo(expected.get(pos).get(j).floatValue(), org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    /** Greedy decoding as transformers' generate: prefill the prompt, then one token at a time through the cache. */
    private static int[] greedy(LlamaModel model, int[] prompt, int count) {
        int[] out = new int[count];
        try (NDManager step = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            NDArray hidden = model.hiddenStates(step, input(step, prompt), false, cache);
            for (int i = 0; i < count; i++) {
                float[] last = model.logits(step, hidden.get(":, -1, :")).toFloatArray();
                out[i] = argmax(last);
                hidden = model.hiddenStates(step, input(step, new int[] {out[i]}), false, cache);
            }
        }
        return out;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static NDArray input(NDManager step, int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return step.create(longs, new Shape(1, ids.length));
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static JsonNode reference() throws IOException {
        try (InputStream in = Phi3FamilyTest.class.getResourceAsStream(RESOURCE + "reference.json")) {
            return JSON.readTree(in);
        }
    }

    /** The committed checkpoint copied out of the test resources into a model directory. */
    private Path checkpoint() throws IOException {
        Path dir = temp.resolve("phi3");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            for (String name : Stream.of("config.json", "model.safetensors").toList()) {
                try (InputStream in = Phi3FamilyTest.class.getResourceAsStream(RESOURCE + name)) {
                    Files.copy(in, dir.resolve(name));
                }
            }
        }
        return dir;
    }
}
