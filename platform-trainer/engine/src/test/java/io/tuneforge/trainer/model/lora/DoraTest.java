package io.tuneforge.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.export.LoraAdapter;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * DoRA against PEFT itself (golden files from src/test/python/dora_golden.py: a tiny random Llama, a PEFT DoRA
 * adapter with random A, B and magnitudes, PEFT's logits before and after {@code merge_and_unload}).
 */
class DoraTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(DoraTest.class.getResource("/dora/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode reference() throws IOException {
        return JSON.readTree(Files.readString(resource("reference.json")));
    }

    private static float[] logits(LlamaModel model, JsonNode reference) {
        JsonNode ids = reference.get("input_ids");
        long[] input = new long[ids.size()];
        for (int i = 0; i < input.length; i++) {
            input[i] = ids.get(i).asLong();
        }
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray inputIds = step.create(input, new ai.djl.ndarray.types.Shape(1, input.length));
            return model.logits(step, model.hiddenStates(step, inputIds, false)).toFloatArray();
        }
    }

    private static void assertClose(float[] actual, JsonNode expected, String what) {
        assertThat(actual).as(what).hasSize(expected.size());
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("%s[%d]", what, i).isCloseTo(expected.get(i).asDouble(), within(2e-4));
        }
    }

    @Test
    void doraAdapterFromPeftGivesPeftsLogitsAndMergesToPeftsMergedModel() throws IOException {
        JsonNode reference = reference();
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            LoraConfig config = PeftAdapter.load(model, resource("adapter"), false);
            assertThat(config.useDora()).isTrue();
            float[] plainBase;
            try (LlamaModel base = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
                plainBase = logits(base, reference);
            }
            float[] adapted = logits(model, reference);
            assertThat(adapted).isNotEqualTo(plainBase);
            assertClose(adapted, reference.get("adapted_logits"), "adapted logits");

            model.merge();
            assertClose(logits(model, reference), reference.get("merged_logits"), "merged logits");
            assertClose(model.linears().get("model.layers.0.self_attn.q_proj").weight().toFloatArray(),
                    reference.get("merged_q_proj_layer0"), "merged q_proj");
        }
    }

    @Test
    void exportMergeOfADoraAdapterEqualsPeftsMergedWeight() throws IOException {
        JsonNode reference = reference();
        try (LoraAdapter adapter = LoraAdapter.open(resource("adapter"));
             SafetensorsReader base = SafetensorsReader.open(resource("tiny-llama/model.safetensors"));
             NDManager manager = NDManager.newBaseManager()) {
            String name = "model.layers.0.self_attn.q_proj.weight";
            float[] weight = base.load(manager, name, ai.djl.ndarray.types.DataType.FLOAT32).toFloatArray();
            adapter.mergeInto(name, new long[] {16, 16}, weight);
            assertClose(weight, reference.get("merged_q_proj_layer0"), "export-merged q_proj");
        }
    }

    @Test
    void savedDoraAdapterHasPeftsMagnitudeKeysAndReloadsToTheSameLogits() throws IOException {
        JsonNode reference = reference();
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            PeftAdapter.load(model, resource("adapter"), false);
            PeftAdapter.save(model, dir);
        }
        JsonNode config = JSON.readTree(Files.readString(dir.resolve(PeftAdapter.CONFIG_FILE)));
        assertThat(config.path("use_dora").asBoolean()).isTrue();
        try (SafetensorsReader saved = SafetensorsReader.open(dir.resolve(PeftAdapter.WEIGHTS_FILE));
             SafetensorsReader peft = SafetensorsReader.open(resource("adapter/adapter_model.safetensors"))) {
            List<String> savedNames = saved.names().stream().sorted().toList();
            List<String> peftNames = peft.names().stream().sorted().toList();
            assertThat(savedNames).isEqualTo(peftNames)
                    .contains("base_model.model.model.layers.1.mlp.down_proj.lora_magnitude_vector");
        }
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            PeftAdapter.load(model, dir, false);
            assertClose(logits(model, reference), reference.get("adapted_logits"), "reloaded logits");
        }
    }

    @Test
    void freshDoraStartsAtTheBaseModelWithTheMagnitudeTrainable() throws IOException {
        JsonNode reference = reference();
        float[] base;
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"), ModelOptions.inference())) {
            base = logits(model, reference);
        }
        LoraConfig dora = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), false, true);
        try (LlamaModel model = LlamaModel.load(resource("tiny-llama"),
                ModelOptions.training(new FineTuning.Lora(dora), 1))) {
            float[] fresh = logits(model, reference);
            for (int i = 0; i < base.length; i++) {
                assertThat(fresh[i]).isCloseTo(base[i], within(1e-5f));
            }
            assertThat(model.trainableParameters().keySet())
                    .contains("base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector")
                    .hasSize(2 * 2 * 3);
        }
    }
}
