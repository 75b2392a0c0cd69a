package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Training a mixture of experts with {@code moe_aux_loss_coef}: the first logged loss (LoRA B = 0, so the base
 * model) of a right-padded batch equals transformers' loss with {@code output_router_logits} and the coefficient set
 * (mean token NLL + coef · load-balancing loss over the real tokens), and the log carries the auxiliary loss and the
 * expert load per layer.
 */
class MoeTrainingTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"mixtral-tiny", "qwen2moe-tiny", "qwen3moe-tiny"})
    void firstLossEqualsTransformersLossWithTheRouterAuxiliaryLoss(String family) throws IOException {
        JsonNode aux;
        try (InputStream in = getClass().getResourceAsStream("/models/" + family + "/reference.json")) {
            aux = JSON.readTree(in).path("aux");
        }
        List<TokenizedSample> samples = new ArrayList<>();
        for (int b = 0; b < aux.path("ids").size(); b++) {
            List<Integer> real = new ArrayList<>();
            for (int i = 0; i < aux.path("ids").get(b).size(); i++) {
                if (aux.path("mask").get(b).get(i).asInt() == 1) {
                    real.add(aux.path("ids").get(b).get(i).asInt());
                }
            }
            int[] ids = real.stream().mapToInt(Integer::intValue).toArray();
            samples.add(new TokenizedSample(ids, ids));
        }
        LoraConfig lora = new LoraConfig(2, 4, 0.0, LoraConfig.parseTargets("all"), false);
        TrainingConfig config = TrainingConfig.builder(temp.resolve("out")).learningRate(1e-3)
                .perDeviceTrainBatchSize(2).maxSteps(1).loggingSteps(1).saveSteps(0).evalSteps(0).seed(3)
                .moeAuxLossCoef(aux.path("coef").asDouble()).build();
        TrainerTest.Recorder recorder = new TrainerTest.Recorder();
        try (LlamaModel model = LlamaModel.load(checkpoint(family), ModelOptions.training(new FineTuning.Lora(lora), 3))) {
            new Trainer(config, model, samples, List.of()).train(recorder, () -> false);
        }
        TrainingLog log = recorder.logs.getFirst();
        assertThat(log.loss()).isCloseTo(aux.path("loss_with_aux").asDouble(), within(1e-4));
        assertThat(log.metrics().get("moe/aux_loss")).isCloseTo(aux.path("aux_loss").asDouble(), within(1e-4));
        assertThat(log.metrics()).containsKeys("moe/expert_load/layer_0", "moe/expert_load/layer_0/expert_3");
        assertThat(log.metrics().get("moe/expert_load/layer_0")).isBetween(1.0, 4.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mixtral-tiny", "qwen2moe-tiny", "qwen3moe-tiny"})
    void withGradientCheckpointingTheExpertLoadIsLoggedAndTheLossIsTheSame(String family) throws IOException {
        List<TokenizedSample> samples = List.of(new TokenizedSample(new int[] {1, 7, 33, 12, 5, 60},
                new int[] {1, 7, 33, 12, 5, 60}), new TokenizedSample(new int[] {1, 41, 19, 8}, new int[] {1, 41, 19, 8}));
        List<TrainingLog> plain = run(family, samples, false, 0);
        List<TrainingLog> checkpointed = run(family, samples, true, 0);
        for (int i = 0; i < plain.size(); i++) {
            assertThat(checkpointed.get(i).loss()).isCloseTo(plain.get(i).loss(), within(1e-5));
            assertThat(checkpointed.get(i).metrics().get("moe/expert_load/layer_0"))
                    .isCloseTo(plain.get(i).metrics().get("moe/expert_load/layer_0"), within(1e-9));
            assertThat(checkpointed.get(i).metrics().get("moe/aux_loss"))
                    .isCloseTo(plain.get(i).metrics().get("moe/aux_loss"), within(1e-5));
        }
    }

    @Test
    void anAuxiliaryLossCoefficientWithGradientCheckpointingIsRefusedNamingBothKeys() {
        List<TokenizedSample> samples = List.of(new TokenizedSample(new int[] {1, 7, 33, 12}, new int[] {1, 7, 33, 12}));
        assertThatThrownBy(() -> run("mixtral-tiny", samples, true, 0.02))
                .isInstanceOf(TrainingConfigException.class)
                .hasMessageContaining("moe_aux_loss_coef 0.02")
                .hasMessageContaining("disable_gradient_checkpointing: true");
    }

    @Test
    void freezeTuningByExpertChangesOnlyTheNamedExpertAndTheRouter() throws IOException {
        Path base = checkpoint("qwen3moe-tiny");
        List<TokenizedSample> samples = List.of(new TokenizedSample(new int[] {1, 7, 33, 12, 5, 60},
                new int[] {1, 7, 33, 12, 5, 60}), new TokenizedSample(new int[] {1, 41, 19, 8}, new int[] {1, 41, 19, 8}));
        TrainingConfig config = TrainingConfig.builder(temp.resolve("freeze")).learningRate(1e-2)
                .perDeviceTrainBatchSize(2).maxSteps(3).loggingSteps(1).saveSteps(0).evalSteps(0).seed(3)
                .gradientCheckpointing(true).build();
        try (LlamaModel model = LlamaModel.load(base, ModelOptions.training(
                new FineTuning.Freeze(1, List.of("mlp.experts.2", "mlp.gate")), 3))) {
            new Trainer(config, model, samples, List.of()).train(new TrainerTest.Recorder(), () -> false);
        }
        List<String> trained = List.of("model.layers.1.mlp.gate.weight", "model.layers.1.mlp.experts.2.gate_proj.weight",
                "model.layers.1.mlp.experts.2.up_proj.weight", "model.layers.1.mlp.experts.2.down_proj.weight");
        try (var before = io.tuneforge.trainer.export.SafetensorsWeightSource.openModelDir(base);
             var after = io.tuneforge.trainer.export.SafetensorsWeightSource.openModelDir(temp.resolve("freeze"))) {
            assertThat(after.names()).containsExactlyInAnyOrderElementsOf(before.names());
            for (String name : before.names()) {
                if (trained.contains(name)) {
                    assertThat(after.read(name)).as(name + " trains").isNotEqualTo(before.read(name));
                } else {
                    assertThat(after.read(name)).as(name + " stays frozen").containsExactly(before.read(name));
                }
            }
        }
    }

    private List<TrainingLog> run(String family, List<TokenizedSample> samples, boolean checkpointing, double coef)
            throws IOException {
        LoraConfig lora = new LoraConfig(2, 4, 0.0, LoraConfig.parseTargets("all"), false);
        TrainingConfig config = TrainingConfig.builder(temp.resolve("out-" + checkpointing)).learningRate(1e-2)
                .perDeviceTrainBatchSize(2).maxSteps(3).loggingSteps(1).saveSteps(0).evalSteps(0).seed(3)
                .gradientCheckpointing(checkpointing).moeAuxLossCoef(coef).build();
        TrainerTest.Recorder recorder = new TrainerTest.Recorder();
        Path dir = temp.resolve(family);
        try (LlamaModel model = LlamaModel.load(Files.isDirectory(dir) ? dir : checkpoint(family),
                ModelOptions.training(new FineTuning.Lora(lora), 3))) {
            new Trainer(config, model, samples, List.of()).train(recorder, () -> false);
        }
        return recorder.logs;
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
