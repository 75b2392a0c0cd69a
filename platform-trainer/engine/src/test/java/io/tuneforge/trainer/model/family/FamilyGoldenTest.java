package io.tuneforge.trainer.model.family;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;
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
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.CausalLmLoss;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each family equals transformers on a tiny random checkpoint made by {@code src/test/python/tiny_family_golden.py}
 * (float32 logits within 1e-4 and greedy output): Phi-3 (fused qkv_proj and gate_up_proj, longrope, sliding window),
 * Gemma 2 (soft-capping, alternating sliding layers, GELU-tanh, (1 + w) norms, scaled embeddings) and Gemma 3 text
 * (q/k norms, local and global RoPE bases, linear scaling on global layers). LoRA on "all" reaches the family's PEFT
 * module names, a training step lowers the loss, and the merged model has exactly the checkpoint's keys.
 */
class FamilyGoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Family resource folder and the modules LoRA "all" targets there, as PEFT names them. */
    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("phi3-tiny", ModelArchitecture.PHI3, List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj")),
                Arguments.of("gemma2-tiny", ModelArchitecture.GEMMA2, LLAMA_NAMES),
                Arguments.of("gemma3-tiny", ModelArchitecture.GEMMA3, LLAMA_NAMES));
    }

    private static final List<String> LLAMA_NAMES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void logitsEqualTransformersForAShortAndALongSequence(String family, ModelArchitecture architecture)
            throws IOException {
        Path dir = checkpoint(family);
        JsonNode ref = reference(family);
        try (LlamaModel model = LlamaModel.load(dir, ModelOptions.inference())) {
            assertThat(model.config().architecture()).isEqualTo(architecture);
            // Phi-3: 6 tokens within the original 8 positions (short factors), 12 beyond (long factors), window 5;
            // Gemma: 12 tokens pass the window 4 of the sliding layers
            assertLogitsClose(model, ints(ref.path("short_ids")), ref.path("short_logits"));
            assertLogitsClose(model, ints(ref.path("long_ids")), ref.path("long_logits"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void trainingLossThroughTheChunkedLmHeadEqualsTransformersCrossEntropy(String family) throws IOException {
        JsonNode ref = reference(family);
        int[] ids = ints(ref.path("long_ids"));
        JsonNode logits = ref.path("long_logits");
        double expected = 0;                          // Σ_t −log softmax(transformers' logits[t])[ids[t+1]]
        for (int t = 0; t + 1 < ids.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (JsonNode l : logits.get(t)) {
                max = Math.max(max, l.asDouble());
            }
            double sum = 0;
            for (JsonNode l : logits.get(t)) {
                sum += Math.exp(l.asDouble() - max);
            }
            expected -= logits.get(t).get(ids[t + 1]).asDouble() - max - Math.log(sum);
        }
        Batch batch = Batch.collate(List.of(new TokenizedSample(ids, ids)), 0);
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference());
             NDManager step = model.manager().newSubManager()) {
            NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);        // (1, T, C)
            float nll = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model.lmHeadWeight(), batch, 5,
                    l -> model.softcap(step, l)).getFloat();
            assertThat((double) nll).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void greedyDecodingThroughTheKvCacheEqualsTransformersGenerate(String family) throws IOException {
        Path dir = checkpoint(family);
        JsonNode ref = reference(family);
        try (LlamaModel model = LlamaModel.load(dir, ModelOptions.inference())) {
            int[] prompt = ints(ref.path("prompt"));
            // Phi-3: 4 + 10 tokens pass the 8 original positions, where the cache is recomputed with the long factors
            assertThat(greedy(model, prompt, ref.path("greedy").size())).containsExactly(ints(ref.path("greedy")));
            assertThat(greedy(model, prompt, ref.path("greedy_cached").size()))
                    .containsExactly(ints(ref.path("greedy_cached")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void loraAllTargetsTheFamilysPeftNamesAndATrainingStepLowersTheLoss(String family, ModelArchitecture architecture,
                                                                       List<String> modules) throws IOException {
        LoraConfig all = new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false);
        try (LlamaModel model = LlamaModel.load(checkpoint(family),
                ModelOptions.training(new FineTuning.Lora(all), 7))) {
            int layers = model.config().numLayers();
            assertThat(model.loraConfig().orElseThrow().targetModules()).containsExactlyElementsOf(modules);
            assertThat(model.trainableParameters().keySet()).hasSize(layers * modules.size() * 2)
                    .contains("base_model.model.model.layers.0.self_attn." + modules.getFirst() + ".lora_A.weight",
                            "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
            int[] ids = {1, 7, 33, 12, 5, 60, 2, 41, 19, 8};
            float before = sgdStep(model, ids, 0.5f);
            float after = loss(model, ids);
            assertThat(after).isLessThan(before);
        }
    }

    @Test
    void phi3LoraOnLlamaModuleNamesItLacksFailsNamingItsModules() {
        LoraConfig q = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), false);
        assertThatThrownBy(() -> LlamaModel.load(checkpoint("phi3-tiny"),
                ModelOptions.training(new FineTuning.Lora(q), 7)))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("[q_proj, v_proj]")
                .hasMessageContaining("qkv_proj, o_proj, gate_up_proj, down_proj");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void mergedAdapterHasExactlyTheCheckpointKeysAndTheTunedModelsLogits(String family) throws IOException {
        Path base = checkpoint(family);
        Path adapter = temp.resolve(family + "-adapter");
        LoraConfig all = new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false);
        int[] ids = {1, 7, 33, 12, 5, 60, 2, 41};
        float[] tuned;
        try (LlamaModel model = LlamaModel.load(base, ModelOptions.training(new FineTuning.Lora(all), 7))) {
            sgdStep(model, ids, 0.5f);
            tuned = logits(model, ids);
            model.saveTrained(adapter);
        }
        Path merged = temp.resolve(family + "-merged");
        LoraMerger.merge(new MergeOptions(base, adapter, merged, MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                Optional.empty(), false));
        List<String> expectedKeys = new ArrayList<>();
        reference(family).path("checkpoint_keys").forEach(k -> expectedKeys.add(k.asString()));
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

    private static JsonNode reference(String family) throws IOException {
        try (InputStream in = FamilyGoldenTest.class.getResourceAsStream("/models/" + family + "/reference.json")) {
            return JSON.readTree(in);
        }
    }

    /** The committed checkpoint copied out of the test resources into a model directory. */
    private Path checkpoint(String family) throws IOException {
        Path dir = temp.resolve(family);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            for (String name : Stream.of("config.json", "model.safetensors").toList()) {
                try (InputStream in = FamilyGoldenTest.class.getResourceAsStream("/models/" + family + "/" + name)) {
                    Files.copy(in, dir.resolve(name));
                }
            }
        }
        return dir;
    }
}
