package io.tuneforge.trainer.model.family;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

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
import io.tuneforge.trainer.model.MoeSpec;
import io.tuneforge.trainer.model.SparseMoe;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The mixture-of-experts families equal transformers 5.18 on tiny random checkpoints made by
 * {@code src/test/python/tiny_moe_golden.py}: Mixtral (4 experts, top 2 renormalised, window 5), Qwen2-MoE (shared
 * expert with its sigmoid gate, a dense layer by {@code mlp_only_layers}, top 2 not renormalised) and Qwen3-MoE (q/k
 * norms, {@code norm_topk_prob}). Logits within 1e-4, greedy output, the router's logits and top-k choices per token,
 * the load-balancing auxiliary loss on a padded batch, a per-expert PEFT adapter's logits, LoRA "all" on every
 * expert, and a merged model with exactly the checkpoint's keys.
 */
class MoeGoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Family folder, architecture, what "all" targets (PEFT names), experts per sparse layer and sparse layers. */
    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("mixtral-tiny", ModelArchitecture.MIXTRAL,
                        List.of("q_proj", "k_proj", "v_proj", "o_proj", "w1", "w2", "w3"), List.of(0, 1)),
                Arguments.of("qwen2moe-tiny", ModelArchitecture.QWEN2_MOE,
                        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                        List.of(0, 2)),
                Arguments.of("qwen3moe-tiny", ModelArchitecture.QWEN3_MOE,
                        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                        List.of(0, 1)));
    }

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void configReadsTheExpertsAndTheFamilysNormalisation(String family, ModelArchitecture architecture,
                                                         List<String> modules, List<Integer> sparse) throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference())) {
            assertThat(model.config().architecture()).isEqualTo(architecture);
            MoeSpec moe = model.config().moe().orElseThrow();
            assertThat(moe.numExperts()).isEqualTo(4);
            assertThat(moe.topK()).isEqualTo(2);
            assertThat(moe.normaliseTopK()).isEqualTo(architecture != ModelArchitecture.QWEN2_MOE);
            assertThat(moe.sharedExpertSize()).isEqualTo(architecture == ModelArchitecture.QWEN2_MOE ? 40 : 0);
            assertThat(model.sparseBlocks().keySet()).containsExactlyElementsOf(sparse);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void logitsEqualTransformersForAShortAndALongSequence(String family) throws IOException {
        JsonNode ref = reference(family);
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference())) {
            assertLogitsClose(model, ints(ref.path("short_ids")), ref.path("short_logits"));
            assertLogitsClose(model, ints(ref.path("long_ids")), ref.path("long_logits"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void greedyDecodingThroughTheKvCacheEqualsTransformersGenerate(String family) throws IOException {
        JsonNode ref = reference(family);
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference())) {
            int[] prompt = ints(ref.path("prompt"));
            assertThat(greedy(model, prompt, ref.path("greedy").size())).containsExactly(ints(ref.path("greedy")));
            assertThat(greedy(model, prompt, ref.path("greedy_cached").size()))
                    .containsExactly(ints(ref.path("greedy_cached")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void routerLogitsAndTopKChoicesEqualTransformersForEveryToken(String family) throws IOException {
        JsonNode ref = reference(family);
        int[] ids = ints(ref.path("long_ids"));
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference());
             NDManager step = model.manager().newSubManager()) {
            model.hiddenStates(step, input(step, ids), false);
            List<SparseMoe> blocks = List.copyOf(model.sparseBlocks().values());
            assertThat(blocks).hasSize(ref.path("routing").size());
            for (int l = 0; l < blocks.size(); l++) {
                JsonNode layer = ref.path("routing").get(l);
                float[] logits = blocks.get(l).lastRouting().logits().toFloatArray();         // (12, 4)
                long[] chosen = blocks.get(l).lastRouting().logits().softmax(-1).topK(2, -1, true, true)
                        .get(1).toLongArray();                                                 // (12, 2)
                for (int t = 0; t < ids.length; t++) {
                    for (int e = 0; e < 4; e++) {
                        assertThat(logits[t * 4 + e]).as("layer %d token %d expert %d", l, t, e)
                                .isCloseTo(layer.path("logits").get(t).get(e).floatValue(), within(1e-4f));
                    }
                    assertThat(new long[] {chosen[t * 2], chosen[t * 2 + 1]}).as("layer %d token %d", l, t)
                            .containsExactly(layer.path("experts").get(t).get(0).asLong(),
                                    layer.path("experts").get(t).get(1).asLong());
                }
                long[] load = blocks.get(l).lastRouting().tokensPerExpert();
                assertThat(java.util.Arrays.stream(load).sum()).isEqualTo(ids.length * 2L);
            }
            Map<String, Double> shares = model.expertLoad();
            assertThat(shares).hasSize(blocks.size() * 4)
                    .containsKey("moe/expert_load/layer_" + model.sparseBlocks().firstEntry().getKey() + "/expert_0");
            assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(blocks.size(),
                    within(1e-9));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void auxiliaryLossOfAPaddedBatchEqualsTransformersLoadBalancingLoss(String family) throws IOException {
        JsonNode aux = reference(family).path("aux");
        int rows = aux.path("ids").size();
        int t = aux.path("ids").get(0).size();
        long[] ids = new long[rows * t];
        float[] mask = new float[rows * t];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < t; i++) {
                ids[b * t + i] = aux.path("ids").get(b).get(i).asLong();
                mask[b * t + i] = aux.path("mask").get(b).get(i).floatValue();
            }
        }
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference());
             NDManager step = model.manager().newSubManager()) {
            model.hiddenStates(step, step.create(ids, new Shape(rows, t)), false);
            float value = model.routerAuxiliaryLoss(step, step.create(mask)).orElseThrow().getFloat();
            assertThat(value).isCloseTo(aux.path("aux_loss").floatValue(), within(1e-5f));
            // the padding counts: without the mask the value differs
            float unmasked = model.routerAuxiliaryLoss(step, null).orElseThrow().getFloat();
            assertThat(Math.abs(unmasked - value)).isGreaterThan(1e-4f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void aPerExpertPeftAdapterGivesTheLogitsOfTheMergedWeights(String family) throws IOException {
        JsonNode ref = reference(family);
        Path adapter = Files.createDirectories(temp.resolve(family + "-peft"));
        for (String name : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (InputStream in = getClass().getResourceAsStream("/models/" + family + "/adapter/" + name)) {
                Files.copy(in, adapter.resolve(name));
            }
        }
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.inference())) {
            PeftAdapter.load(model, adapter, false);
            assertLogitsClose(model, ints(ref.path("long_ids")), ref.path("peft").path("long_logits"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void loraAllReachesEveryExpertAndATrainingStepLowersTheLoss(String family, ModelArchitecture architecture,
                                                               List<String> modules) throws IOException {
        LoraConfig all = new LoraConfig(4, 8, 0.0, LoraConfig.parseTargets("all"), false);
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.training(new FineTuning.Lora(all), 7))) {
            assertThat(model.loraConfig().orElseThrow().targetModules()).containsExactlyElementsOf(modules);
            String down = architecture == ModelArchitecture.MIXTRAL
                    ? "base_model.model.model.layers.0.block_sparse_moe.experts.3.w2.lora_B.weight"
                    : "base_model.model.model.layers.0.mlp.experts.3.down_proj.lora_B.weight";
            assertThat(model.trainableParameters().keySet()).contains(down)
                    .noneMatch(k -> k.contains(".gate.lora") || k.contains("shared_expert_gate"));
            int[] ids = {1, 7, 33, 12, 5, 60, 2, 41, 19, 8};
            float before = sgdStep(model, ids, 0.5f);
            assertThat(loss(model, ids)).isLessThan(before);
        }
    }

    @Test
    void theRouterIsALoraTargetOnlyWhenNamed() throws IOException {
        LoraConfig router = new LoraConfig(2, 4, 0.0, List.of("gate", "shared_expert_gate"), false);
        try (LlamaModel model = LlamaModel.load(checkpoint("qwen2moe-tiny"),
                ModelOptions.training(new FineTuning.Lora(router), 7))) {
            assertThat(model.trainableParameters().keySet()).containsExactly(
                    "base_model.model.model.layers.0.mlp.gate.lora_A.weight",
                    "base_model.model.model.layers.0.mlp.gate.lora_B.weight",
                    "base_model.model.model.layers.0.mlp.shared_expert_gate.lora_A.weight",
                    "base_model.model.model.layers.0.mlp.shared_expert_gate.lora_B.weight",
                    "base_model.model.model.layers.2.mlp.gate.lora_A.weight",
                    "base_model.model.model.layers.2.mlp.gate.lora_B.weight",
                    "base_model.model.model.layers.2.mlp.shared_expert_gate.lora_A.weight",
                    "base_model.model.model.layers.2.mlp.shared_expert_gate.lora_B.weight");
        }
    }

    @Test
    void freezeTuningOfTheMlpTrainsMixtralsRouterAndEveryExpertOfTheLastLayer() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint("mixtral-tiny"),
                ModelOptions.training(new FineTuning.Freeze(1, List.of("mlp")), 7))) {
            assertThat(model.trainableParameters().keySet()).hasSize(1 + 4 * 3)
                    .contains("model.layers.1.block_sparse_moe.gate.weight",
                            "model.layers.1.block_sparse_moe.experts.3.w2.weight")
                    .allMatch(k -> k.startsWith("model.layers.1.block_sparse_moe."));
        }
    }

    @Test
    void freezeTuningByExpertTrainsOnlyTheNamedExpertAndTheRouter() throws IOException {
        try (LlamaModel model = LlamaModel.load(checkpoint("qwen3moe-tiny"),
                ModelOptions.training(new FineTuning.Freeze(1, List.of("mlp.experts.2", "mlp.gate")), 7))) {
            assertThat(model.trainableParameters().keySet()).containsExactlyInAnyOrder(
                    "model.layers.1.mlp.gate.weight",
                    "model.layers.1.mlp.experts.2.gate_proj.weight",
                    "model.layers.1.mlp.experts.2.up_proj.weight",
                    "model.layers.1.mlp.experts.2.down_proj.weight");
        }
    }

    @Test
    void freezeTuningOfExpertsOnADenseModelFailsNamingTheModules() {
        assertThatThrownBy(() -> LlamaModel.load(checkpoint("gemma2-tiny"),
                ModelOptions.training(new FineTuning.Freeze(1, List.of("mlp.experts")), 7)))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("[mlp.experts] names no weight of the last 1 layers of this Gemma2ForCausalLM");
    }

    @Test
    void mixtralLoraOnQwenExpertNamesFailsNamingItsModules() {
        LoraConfig qwenNames = new LoraConfig(4, 8, 0.0, List.of("q_proj", "gate_proj"), false);
        assertThatThrownBy(() -> LlamaModel.load(checkpoint("mixtral-tiny"),
                ModelOptions.training(new FineTuning.Lora(qwenNames), 7)))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("[gate_proj]")
                .hasMessageContaining("w1, w2, w3, gate");
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
                assertThat(again[i]).isCloseTo(tuned[i], within(1e-4f));
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
                        .isCloseTo(expected.get(pos).get(j).floatValue(), within(1e-4f));
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
        try (InputStream in = MoeGoldenTest.class.getResourceAsStream("/models/" + family + "/reference.json")) {
            return JSON.readTree(in);
        }
    }

    /** The committed checkpoint copied out of the test resources into a model directory. */
    private Path checkpoint(String family) throws IOException {
        Path dir = temp.resolve(family);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            for (String name : List.of("config.json", "model.safetensors")) {
                try (InputStream in = MoeGoldenTest.class.getResourceAsStream("/models/" + family + "/" + name)) {
                    Files.copy(in, dir.resolve(name));
                }
            }
        }
        return dir;
    }
}
