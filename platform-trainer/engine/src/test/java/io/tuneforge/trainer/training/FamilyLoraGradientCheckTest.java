package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * LoRA gradients through each new family's forward (fused projections and longrope; soft-capping, (1 + w) norms;
 * routed experts, the router through its top-k weights and Qwen2-MoE's shared expert gate;
 * GELU-tanh, sliding layers) and the chunked, soft-capped loss agree with central finite differences. The model
 * runs in float32, so the step is large (1e-2) and the tolerance relative (3 %).
 */
class FamilyLoraGradientCheckTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @CsvSource({"phi3-tiny, qkv_proj gate_up_proj", "gemma2-tiny, q_proj gate_proj", "gemma3-tiny, q_proj gate_proj",
            // mixtures of experts: every expert's projection, the router (through the top-k weights) and
            // Qwen2-MoE's shared expert gate
            "mixtral-tiny, q_proj w1 w2 gate", "qwen2moe-tiny, up_proj gate shared_expert_gate",
            "qwen3moe-tiny, v_proj down_proj gate"})
    void loraGradientsAgreeWithFiniteDifferences(String family, String targets) throws IOException {
        // one attention and one MLP input projection per layer: their gradients flow through the whole layer
        LoraConfig all = new LoraConfig(2, 4, 0.0, LoraConfig.parseTargets(targets), false);
        int[] ids = {1, 7, 33, 12, 5, 60, 2, 41, 19, 8};
        Batch batch = Batch.collate(List.of(new TokenizedSample(ids, ids)), 0);
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.training(new FineTuning.Lora(all), 3));
             GradMode off = GradMode.disabled()) {
            Random random = new Random(5);
            for (NDArray p : model.trainableParameters().values()) {         // B starts at zero: give A a gradient
                float[] values = p.toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.3);
                }
                p.set(values);
            }
            List<FiniteDifferences.Probe> probes = FiniteDifferences.check(model, batch, 1, 1e-2, 11);
            assertThat(probes).hasSize(model.trainableParameters().size());
            for (FiniteDifferences.Probe p : probes) {
                assertThat(p.autograd()).as("%s %s[%d]", family, p.parameter(), p.index())
                        .isCloseTo(p.numerical(), within(2e-3 + 0.03 * Math.abs(p.numerical())));
            }
            assertThat(probes).anySatisfy(p -> assertThat(Math.abs(p.autograd())).isGreaterThan(1e-2));
        }
    }

    private Path checkpoint(String family) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(family));
        for (String name : List.of("config.json", "model.safetensors")) {
            try (InputStream in = getClass().getResourceAsStream("/models/" + family + "/" + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
        return dir;
    }
}
