package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaModelTest {

    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376};

    @TempDir
    Path dir;

    @Test
    void kvCacheDecodingEqualsFullRecomputation() throws Exception {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
            assertCacheMatchesFullForward(model);
        }
    }

    @Test
    void tinyRandomQwen2WithQkvBiasesLoadsAndRuns() throws Exception {
        Path path = TinyModels.write(dir.resolve("qwen2"), "Qwen2ForCausalLM", Map.of());
        try (LlamaModel model = LlamaModel.load(path, ModelOptions.inference())) {
            assertThat(model.config().qkvBias()).isTrue();
            assertThat(model.config().oBias()).isFalse();
            assertThat(model.linears().get("model.layers.0.self_attn.q_proj").bias()).isPresent();
            assertCacheMatchesFullForward(model);
        }
    }

    @Test
    void tinyRandomQwen3WithQkNormAndExplicitHeadDimLoadsFromBf16AndRuns() throws Exception {
        Path path = TinyModels.write(dir.resolve("qwen3"), "Qwen3ForCausalLM", Map.of("head_dim", 16,
                "tie_word_embeddings", true), SafetensorsDType.BF16, name -> false);
        try (LlamaModel model = LlamaModel.load(path, ModelOptions.inference())) {
            assertThat(model.config().qkNorm()).isTrue();
            assertThat(model.config().headDim()).isEqualTo(16);
            assertThat(model.linears().get("model.layers.1.self_attn.q_proj").weight().getShape())
                    .isEqualTo(new Shape(64, 32));
            assertThat(model.lmHeadWeight()).isSameAs(model.lmHeadWeight());
            assertCacheMatchesFullForward(model);
        }
    }

    @Test
    void tinyRandomMistralWithSlidingWindowMasksOldPositions() throws Exception {
        Path path = TinyModels.write(dir.resolve("mistral"), "MistralForCausalLM",
                Map.of("sliding_window", 4, "num_hidden_layers", 1));
        try (LlamaModel model = LlamaModel.load(path, ModelOptions.inference())) {
            assertThat(model.config().slidingWindow()).hasValue(4);
            assertCacheMatchesFullForward(model);
            // one layer, window 4: position 5 sees positions 2..5 only, so token 0 cannot change its logits
            float[] a = lastLogits(model, new int[] {1, 5, 6, 7, 8, 9});
            float[] b = lastLogits(model, new int[] {3, 5, 6, 7, 8, 9});
            assertThat(a).containsExactly(b);
            float[] c = lastLogits(model, new int[] {1, 5, 3, 7, 8, 9});
            assertThat(c).isNotEqualTo(a);
        }
    }

    @Test
    void llama3RopeScalingKeepsHighFrequenciesAndDividesLowOnes() throws Exception {
        Path path = TinyModels.write(dir.resolve("llama3"), "LlamaForCausalLM", Map.of("head_dim", 64,
                "num_attention_heads", 2, "num_key_value_heads", 1, "rope_theta", 500000.0,
                "rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0,
                        "high_freq_factor", 4.0, "original_max_position_embeddings", 8192)));
        ModelConfig config = ModelConfig.load(path);
        float[] scaled = RotaryEmbedding.inverseFrequencies(config);
        double first = 1.0;                                             // wavelength 2π: kept
        double last = 1.0 / Math.pow(500000.0, 62.0 / 64);              // wavelength > 8192: divided by 8
        assertThat(scaled[0]).isEqualTo((float) first);
        assertThat((double) scaled[31]).isCloseTo(last / 8, org.assertj.core.data.Percentage.withPercentage(0.01));
        try (LlamaModel model = LlamaModel.load(path, ModelOptions.inference())) {
            assertCacheMatchesFullForward(model);
        }
    }

    @Test
    void missingTensorIsNamedWithItsExpectedShape() throws Exception {
        Path path = TinyModels.write(dir.resolve("missing"), "LlamaForCausalLM", Map.of(), SafetensorsDType.F32,
                name -> name.equals("model.layers.1.mlp.down_proj.weight"));
        assertThatThrownBy(() -> LlamaModel.load(path, ModelOptions.inference()))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("'model.layers.1.mlp.down_proj.weight' is missing")
                .hasMessageContaining("[32, 48]");
    }

    @Test
    void wrongShapeIsNamedWithBothShapes() throws Exception {
        Path path = TinyModels.write(dir.resolve("shape"), "LlamaForCausalLM", Map.of());
        String config = Files.readString(path.resolve("config.json")).replace("\"intermediate_size\":48", "\"intermediate_size\":40");
        Files.writeString(path.resolve("config.json"), config);
        assertThatThrownBy(() -> LlamaModel.load(path, ModelOptions.inference()))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("'model.layers.0.mlp.gate_proj.weight' has shape [48, 32]")
                .hasMessageContaining("[40, 32]");
    }

    @Test
    void unknownArchitectureFailsListingTheSupportedOnes() throws Exception {
        Files.createDirectories(dir.resolve("gpt2"));
        Files.writeString(dir.resolve("gpt2/config.json"), "{\"architectures\":[\"GPT2LMHeadModel\"]}");
        assertThatThrownBy(() -> ModelConfig.load(dir.resolve("gpt2")))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("'GPT2LMHeadModel' is not supported")
                .hasMessageContaining("Qwen3ForCausalLM");
    }

    @Test
    void fullAndFreezeTuningExposeHuggingFaceNamedParameters() throws Exception {
        Path path = TinyModels.write(dir.resolve("full"), "LlamaForCausalLM", Map.of());
        try (LlamaModel full = LlamaModel.load(path, ModelOptions.training(new FineTuning.Full(), 1))) {
            List<String> names = full.parameters().stream().map(NamedParameter::name).toList();
            assertThat(names).startsWith("model.embed_tokens.weight").endsWith("model.norm.weight", "lm_head.weight")
                    .contains("model.layers.0.self_attn.q_proj.weight").hasSize(1 + 2 * 9 + 2);
            assertThat(full.parameters()).allMatch(p -> p.array().hasGradient());
        }
        try (LlamaModel freeze = LlamaModel.load(path, ModelOptions.training(new FineTuning.Freeze(1), 1))) {
            assertThat(freeze.trainableParameters().keySet()).hasSize(9)
                    .allMatch(n -> n.startsWith("model.layers.1."));
        }
        try (LlamaModel mlpOnly = LlamaModel.load(path, ModelOptions.training(
                new FineTuning.Freeze(1, List.of("mlp")), 1))) {
            assertThat(mlpOnly.trainableParameters().keySet()).containsExactlyInAnyOrder(
                    "model.layers.1.mlp.gate_proj.weight", "model.layers.1.mlp.up_proj.weight",
                    "model.layers.1.mlp.down_proj.weight");
        }
    }

    @Test
    void loraTrainingStepReachesAdaptersOnlyWithFiniteGradients() throws Exception {
        LoraConfig lora = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), false);
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K(),
                ModelOptions.training(new FineTuning.Lora(lora), 3))) {
            assertThat(model.trainableParameters().keySet()).hasSize(5 * 2 * 2)
                    .first().isEqualTo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
            NDArray b = model.trainableParameters().get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
            try (NDManager step = model.manager().newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ids = step.create(new long[] {1, 403, 407, 261, 378, 432, 383, 286}, new Shape(2, 4));
                NDArray hidden = model.hiddenStates(step, ids, true);
                NDArray loss = model.logits(step, hidden).logSoftmax(2).mean().neg();
                System.gc();
                gc.backward(loss);
                float[] grad = b.getGradient().toFloatArray();
                assertThat(allFinite(grad)).isTrue();
                assertThat(sumAbs(grad)).isGreaterThan(0);
            }
        }
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static double sumAbs(float[] values) {
        double s = 0;
        for (float v : values) {
            s += Math.abs(v);
        }
        return s;
    }

    static float[] lastLogits(CausalLanguageModel model, int[] ids) {
        try (NDManager step = model.manager().newSubManager()) {
            NDArray hidden = model.hiddenStates(step, input(step, ids), false);
            return model.logits(step, hidden.get(":, -1, :")).toFloatArray();
        }
    }

    static NDArray input(NDManager step, int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return step.create(longs, new Shape(1, ids.length));
    }

    /** Logits of every position, computed once in full and once token by token through the KV cache. */
    static void assertCacheMatchesFullForward(CausalLanguageModel model) {
        int n = PROMPT.length;
        try (NDManager step = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            float[] full = model.logits(step, model.hiddenStates(step, input(step, PROMPT), false)).toFloatArray();
            int v = model.config().vocabSize();
            // prefill 3 tokens, then one at a time
            float[] prefill = model.logits(step, model.hiddenStates(step,
                    input(step, java.util.Arrays.copyOf(PROMPT, 3)), false, cache)).toFloatArray();
            for (int i = 0; i < 3 * v; i++) {
                assertThat(prefill[i]).isCloseTo(full[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
            for (int t = 3; t < n; t++) {
                float[] one = model.logits(step, model.hiddenStates(step, input(step, new int[] {PROMPT[t]}), false,
                        cache)).toFloatArray();
                for (int i = 0; i < v; i++) {
                    assertThat(one[i]).as("position %d token %d", t, i)
                            .isCloseTo(full[t * v + i], org.assertj.core.data.Offset.offset(1e-4f));
                }
            }
            assertThat(cache.length()).isEqualTo(n);
            assertThat(allFinite(full)).isTrue();
        }
    }
}
