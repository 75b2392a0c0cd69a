package io.tuneforge.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LoraTest {

    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376};

    @TempDir
    Path dir;

    @Test
    void freshAdapterStartsFromTheBaseModelWithKaimingUniformA() throws Exception {
        LoraConfig config = new LoraConfig(8, 16, 0.05, LoraConfig.parseTargets("all"), false);
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference());
             LlamaModel lora = LlamaModel.load(Fixtures.stories260K(), ModelOptions.training(new FineTuning.Lora(config), 1))) {
            assertThat(logits(lora)).containsExactly(logits(base));
            Linear up = lora.linears().get("model.layers.2.mlp.up_proj");
            float[] a = up.lora().orElseThrow().a().toFloatArray();
            float bound = (float) (1 / Math.sqrt(64));
            assertThat(a).hasSize(8 * 64);
            float maxAbs = 0;
            for (float v : a) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(maxAbs).isLessThanOrEqualTo(bound).isGreaterThan(bound * 0.9f);
            assertThat(up.lora().orElseThrow().b().toFloatArray()).containsOnly(0f);
            assertThat(up.lora().orElseThrow().scale()).isEqualTo(2.0);
            assertThat(lora.trainableParameters()).hasSize(5 * 7 * 2);
        }
    }

    @Test
    void rsLoraScalesByAlphaOverSquareRootOfRank() {
        assertThat(new LoraConfig(16, 32, 0, List.of("q_proj"), true).scaling()).isEqualTo(8.0);
        assertThat(new LoraConfig(16, 32, 0, List.of("q_proj"), false).scaling()).isEqualTo(2.0);
        assertThatThrownBy(() -> new LoraConfig(8, 16, 0, List.of("qkv"), false))
                .hasMessageContaining("'qkv' is unknown");
    }

    @Test
    void mergedWeightsGiveTheSameLogitsAsBasePlusAdapter() throws Exception {
        try (LlamaModel model = loraModelWithRandomB(List.of("q_proj", "k_proj", "v_proj", "o_proj", "down_proj"))) {
            float[] withAdapter = logits(model);
            float[] base;
            try (LlamaModel plain = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
                base = logits(plain);
            }
            assertThat(maxDifference(withAdapter, base)).as("the adapter changes the logits").isGreaterThan(1e-2);
            model.merge();
            assertThat(model.loraConfig()).isEmpty();
            assertThat(model.linears().values()).allMatch(l -> l.lora().isEmpty());
            float[] merged = logits(model);
            // within 1e-5 of the logits' scale: fp32 round-off in x·(W + s·B·A) versus x·W + s·(x·A)·B grows with
            // the size of the activations that every logit of the row sums over, not with each logit's own size
            float scale = Math.max(1f, (float) maxAbs(withAdapter));
            for (int i = 0; i < merged.length; i++) {
                assertThat(merged[i]).isCloseTo(withAdapter[i], offset(1e-5f * scale));
            }
        }
    }

    @Test
    void peftAdapterRoundTripGivesIdenticalLogits() throws Exception {
        Path adapter = dir.resolve("adapter");
        float[] expected;
        try (LlamaModel model = loraModelWithRandomB(List.of("q_proj", "v_proj"))) {
            expected = logits(model);
            model.saveTrained(adapter);
        }
        JsonNode config = JsonMapper.builder().build().readTree(Files.readString(adapter.resolve("adapter_config.json")));
        assertThat(config.path("peft_type").asString()).isEqualTo("LORA");
        assertThat(config.path("task_type").asString()).isEqualTo("CAUSAL_LM");
        assertThat(config.path("r").asInt()).isEqualTo(4);
        assertThat(config.path("lora_alpha").isIntegralNumber()).isTrue();
        assertThat(config.path("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
        assertThat(config.path("bias").asString()).isEqualTo("none");
        assertThat(config.path("modules_to_save").isNull()).isTrue();
        assertThat(config.path("use_dora").asBoolean()).isFalse();
        assertThat(config.path("inference_mode").asBoolean()).isTrue();
        assertThat(config.has("base_model_name_or_path")).isTrue();
        try (var reader = io.tuneforge.trainer.model.safetensors.SafetensorsReader.open(adapter.resolve("adapter_model.safetensors"))) {
            assertThat(reader.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
                    .containsExactly(4, 64);
            assertThat(reader.info("base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight").shape())
                    .containsExactly(32, 4);
            assertThat(reader.names()).hasSize(5 * 2 * 2);
        }
        try (LlamaModel reloaded = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
            PeftAdapter.load(reloaded, adapter, false);
            assertThat(reloaded.trainableParameters()).isEmpty();
            assertThat(logits(reloaded)).containsExactly(expected);
        }
    }

    @Test
    void adapterWithAMissingTensorNamesItAndItsShape() throws Exception {
        Path adapter = dir.resolve("adapter");
        try (LlamaModel model = loraModelWithRandomB(List.of("q_proj"))) {
            model.saveTrained(adapter);
        }
        String config = Files.readString(adapter.resolve("adapter_config.json")).replace("\"q_proj\"", "\"q_proj\", \"up_proj\"");
        Files.writeString(adapter.resolve("adapter_config.json"), config);
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
            assertThatThrownBy(() -> PeftAdapter.load(model, adapter, false))
                    .isInstanceOf(ModelConfigException.class)
                    .hasMessageContaining("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight")
                    .hasMessageContaining("[4, 64]");
        }
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** A LoRA model whose B matrices are random (a fresh adapter would equal the base). */
    private static LlamaModel loraModelWithRandomB(List<String> targets) throws Exception {
        LoraConfig config = new LoraConfig(4, 8, 0, targets, false);
        LlamaModel model = LlamaModel.load(Fixtures.stories260K(), ModelOptions.training(new FineTuning.Lora(config), 5));
        NDManager m = model.manager();
        m.getEngine().setRandomSeed(11);
        for (var p : model.parameters()) {
            if (p.name().contains("lora_B")) {
                NDArray random = m.randomNormal(0f, 0.05f, p.array().getShape(), p.array().getDataType());
                p.array().set(random.toFloatArray());
                random.close();
            }
        }
        return model;
    }

    private static float[] logits(LlamaModel model) {
        try (NDManager step = model.manager().newSubManager()) {
            long[] ids = new long[PROMPT.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = PROMPT[i];
            }
            NDArray hidden = model.hiddenStates(step, step.create(ids, new Shape(1, ids.length)), false);
            return model.logits(step, hidden).toFloatArray();
        }
    }
}
