package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.LlamaProExpansion;
import io.tuneforge.trainer.export.TensorProgress;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** LLaMA Pro: block expansion (LLaMA-Factory's scripts/llama_pro.py) and freeze tuning of the added blocks. */
class LlamaProExpansionTest {

    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376};

    @TempDir
    Path dir;

    @Test
    void theExpandedModelComputesExactlyWhatTheOriginalDid() throws Exception {
        Path base = TinyModels.write(dir.resolve("base"), "LlamaForCausalLM", Map.of("num_hidden_layers", 4));
        LlamaProExpansion.Result result = LlamaProExpansion.expand(base, dir.resolve("pro"), 2, TensorProgress.NONE);

        assertThat(result.layers()).isEqualTo(6);
        assertThat(result.addedLayers()).containsExactly(2, 5);
        try (LlamaModel original = LlamaModel.load(base, ModelOptions.inference());
             LlamaModel expanded = LlamaModel.load(result.outDir(), ModelOptions.inference())) {
            assertThat(expanded.config().numLayers()).isEqualTo(6);
            // the added blocks write zeros into the residual stream: logits equal bit for bit
            assertThat(LlamaModelTest.lastLogits(expanded, PROMPT))
                    .containsExactly(LlamaModelTest.lastLogits(original, PROMPT));
        }
        assertThat(result.outDir().resolve("tokenizer.json")).exists();
    }

    @Test
    void eachAddedBlockCopiesTheLastLayerOfItsGroupWithZeroedOutputProjections() throws Exception {
        Path base = TinyModels.write(dir.resolve("base"), "Qwen3ForCausalLM", Map.of("num_hidden_layers", 2,
                "layer_types", List.of("full_attention", "full_attention")), SafetensorsDType.BF16, name -> false);
        Path pro = LlamaProExpansion.expand(base, dir.resolve("pro"), 1, TensorProgress.NONE).outDir();

        try (SafetensorsReader before = SafetensorsReader.open(base);
             SafetensorsReader after = SafetensorsReader.open(pro)) {
            assertThat(after.readBf16Bits("model.layers.2.self_attn.q_proj.weight"))
                    .isEqualTo(before.readBf16Bits("model.layers.1.self_attn.q_proj.weight"));
            assertThat(after.readBf16Bits("model.layers.0.mlp.up_proj.weight"))
                    .isEqualTo(before.readBf16Bits("model.layers.0.mlp.up_proj.weight"));
            assertThat(after.readFloats("model.layers.2.self_attn.o_proj.weight")).containsOnly(0f);
            assertThat(after.readFloats("model.layers.2.mlp.down_proj.weight")).containsOnly(0f);
            assertThat(after.info("model.layers.2.mlp.down_proj.weight").dtype()).isEqualTo(SafetensorsDType.BF16);
        }
        JsonNode config = JsonMapper.builder().build().readTree(pro.resolve("config.json").toFile());
        assertThat(config.path("num_hidden_layers").asInt()).isEqualTo(3);
        assertThat(config.path("layer_types").size()).isEqualTo(3);
    }

    @Test
    void useLlamaProTrainsOnlyTheAddedBlocks() throws Exception {
        Path base = TinyModels.write(dir.resolve("base"), "LlamaForCausalLM", Map.of("num_hidden_layers", 4));
        Path pro = LlamaProExpansion.expand(base, dir.resolve("pro"), 2, TensorProgress.NONE).outDir();

        FineTuning.Freeze llamaPro = new FineTuning.Freeze(2, RecipeMethod.FREEZE_MODULES, true, List.of("norm"));
        try (LlamaModel model = LlamaModel.load(pro, ModelOptions.training(llamaPro, 1))) {
            assertThat(model.trainableParameters().keySet())
                    .allMatch(n -> n.startsWith("model.layers.2.") || n.startsWith("model.layers.5.")
                            || n.equals("model.norm.weight"))
                    .contains("model.layers.2.mlp.down_proj.weight", "model.layers.5.self_attn.o_proj.weight")
                    .hasSize(2 * 9 + 1);
        }
    }

    @Test
    void negativeTrainableLayersTrainTheFirstOnes() throws Exception {
        Path base = TinyModels.write(dir.resolve("base"), "LlamaForCausalLM", Map.of("num_hidden_layers", 3));
        try (LlamaModel model = LlamaModel.load(base, ModelOptions.training(new FineTuning.Freeze(-1), 1))) {
            assertThat(model.trainableParameters().keySet()).hasSize(9).allMatch(n -> n.startsWith("model.layers.0."));
        }
        assertThatThrownBy(() -> LlamaModel.load(base, ModelOptions.training(
                new FineTuning.Freeze(2, RecipeMethod.FREEZE_MODULES, true, List.of()), 1)))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("multiple of freeze_trainable_layers 2");
    }

    @Test
    void aTiedModelHasNoLmHeadToTrainApart() throws Exception {
        Path base = TinyModels.write(dir.resolve("tied"), "LlamaForCausalLM", Map.of("tie_word_embeddings", true));
        assertThatThrownBy(() -> LlamaModel.load(base, ModelOptions.training(
                new FineTuning.Freeze(1, RecipeMethod.FREEZE_MODULES, false, List.of("lm_head")), 1)))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("ties lm_head to embed_tokens");
    }

    @Test
    void expansionRefusesLayersThatAreNoMultipleAndAnExistingFolder() throws Exception {
        Path base = TinyModels.write(dir.resolve("base"), "LlamaForCausalLM", Map.of("num_hidden_layers", 3));
        assertThatThrownBy(() -> LlamaProExpansion.expand(base, dir.resolve("pro"), 2, TensorProgress.NONE))
                .isInstanceOf(ExportException.class).hasMessageContaining("num_hidden_layers 3 must be a positive "
                        + "multiple");
        Files.createDirectories(dir.resolve("taken"));
        assertThatThrownBy(() -> LlamaProExpansion.expand(base, dir.resolve("taken"), 1, TensorProgress.NONE))
                .isInstanceOf(ExportException.class).hasMessageContaining("already exists");
        assertThat(dir.resolve("pro")).doesNotExist();
    }
}
