package io.tuneforge.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.export.LoraAdapter;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code additional_target} as PEFT's {@code modules_to_save}: the embedding and LM head train whole beside the
 * adapters and are saved under PEFT's keys (resources/peftvar/modules_to_save.json, written by PEFT 0.21 from
 * src/test/python/peft_variants_golden.py), reload, and replace the base's weights in an export merge.
 */
class ModulesToSaveTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long[] INPUT = {1, 5, 9, 17, 33, 2, 60};

    @TempDir
    Path dir;

    private static LoraConfig config() {
        return new LoraConfig(2, 4, 0, List.of("q_proj"), false, false, LoraConfig.DEFAULT_INIT,
                List.of("embed_tokens", "lm_head"));
    }

    private static float[] logits(LlamaModel model) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(INPUT, new Shape(1, INPUT.length));
            return model.logits(step, model.hiddenStates(step, ids, false)).toFloatArray();
        }
    }

    @Test
    void embeddingAndLmHeadTrainWholeAndSaveUnderPeftsKeysAndShapes() throws IOException {
        JsonNode reference = JSON.readTree(Files.readString(LoraTargetMatchingTest.resource("peftvar/modules_to_save.json")));
        try (LlamaModel model = LlamaModel.load(LoraTargetMatchingTest.resource("dora/tiny-llama"),
                ModelOptions.training(new FineTuning.Lora(config()), 3))) {
            assertThat(model.trainableParameters().keySet()).contains("base_model.model.model.embed_tokens.weight",
                    "base_model.model.lm_head.weight").hasSize(2 * 2 + 2);
            assertThat(model.trainableParameters().get("base_model.model.lm_head.weight").hasGradient()).isTrue();
            PeftAdapter.save(model, dir);
        }
        Map<String, List<Long>> saved = new LinkedHashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(PeftAdapter.WEIGHTS_FILE))) {
            for (String name : reader.names()) {
                List<Long> shape = new ArrayList<>();
                for (long d : reader.info(name).shape()) {
                    shape.add(d);
                }
                saved.put(name, shape);
            }
        }
        Map<String, List<Long>> peft = new LinkedHashMap<>();
        reference.get("keys").properties().forEach(e -> {
            List<Long> shape = new ArrayList<>();
            e.getValue().forEach(d -> shape.add(d.asLong()));
            peft.put(e.getKey(), shape);
        });
        assertThat(saved).isEqualTo(peft);
        JsonNode config = JSON.readTree(Files.readString(dir.resolve(PeftAdapter.CONFIG_FILE)));
        assertThat(config.get("modules_to_save")).isEqualTo(reference.get("modules_to_save"));
    }

    @Test
    void trainedWholeModulesReloadAndReplaceTheBaseInAnExportMerge() throws IOException {
        float[] trained;
        float[] trainedHead;
        try (LlamaModel model = LlamaModel.load(LoraTargetMatchingTest.resource("dora/tiny-llama"),
                ModelOptions.training(new FineTuning.Lora(config()), 3))) {
            Random random = new Random(5);
            for (NDArray whole : model.modulesToSave(config()).values()) {
                float[] values = whole.toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    values[i] += (float) (random.nextGaussian() * 0.05);
                }
                whole.set(values);
            }
            trained = logits(model);
            trainedHead = model.modulesToSave(config()).get("lm_head").toFloatArray();
            PeftAdapter.save(model, dir);
        }
        float[] base;
        try (LlamaModel model = LlamaModel.load(LoraTargetMatchingTest.resource("dora/tiny-llama"),
                ModelOptions.inference())) {
            base = logits(model);
            LoraConfig read = PeftAdapter.load(model, dir, false);
            assertThat(read.modulesToSave()).containsExactly("embed_tokens", "lm_head");
            assertThat(logits(model)).containsExactly(trained, org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(base).isNotEqualTo(trained);
        try (LoraAdapter adapter = LoraAdapter.open(dir)) {
            float[] head = new float[64 * 16];
            adapter.mergeInto("lm_head.weight", new long[] {64, 16}, head);
            assertThat(head).containsExactly(trainedHead);
        }
    }
}
