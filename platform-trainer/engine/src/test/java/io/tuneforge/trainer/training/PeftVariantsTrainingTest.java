package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.RandomLlama;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * PiSSA (with pissa_convert and additional_target) and create_new_adapter inside the trainer, on a tiny random
 * Llama: resume equals an uninterrupted run, and the converted result applies to the original base.
 */
class PeftVariantsTrainingTest {

    private static final LlamaShape TINY = new LlamaShape(32, 2, 4, 2, 64, 64, 16, 2, 4, 2);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long[] INPUT = {3, 9, 14, 27, 40, 55};

    @TempDir
    static Path shared;

    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("tiny-llama"), TINY, 3);
    }

    private static final LoraConfig PISSA = new LoraConfig(4, 8, 0.1, List.of("q_proj", "v_proj", "down_proj"), false,
            false, "pissa_niter_4", List.of("norm"));

    private static LlamaModel pissaModel() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(PISSA, true), 5));
    }

    private static List<TokenizedSample> samples(int count, long seed) {
        return RandomSamples.of(count, seed);
    }

    private TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(1e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(2).warmupSteps(0).loggingSteps(1).saveSteps(3).evalSteps(0).seed(11).maxGradNorm(1.0);
    }

    private static float[] logits(LlamaModel model) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(INPUT, new Shape(1, INPUT.length));
            return model.logits(step, model.hiddenStates(step, ids, false)).toFloatArray();
        }
    }

    @Test
    void pissaResumesOnTheSameLossCurveAndItsConvertedResultAppliesToTheOriginalBase() throws IOException {
        List<TokenizedSample> train = samples(18, 7);
        List<Double> whole;
        float[] trained;
        Path wholeOut = dir.resolve("whole");
        try (LlamaModel model = pissaModel()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(wholeOut).build(), model, train, List.of()).train(r, () -> false);
            whole = r.losses();
            trained = logits(model);
        }
        assertThat(whole).hasSize(6).allSatisfy(l -> assertThat(l).isFinite());
        JsonNode saved = JSON.readTree(Files.readString(wholeOut.resolve(PeftAdapter.CONFIG_FILE)));
        assertThat(saved.get("r").asInt()).isEqualTo(8);
        assertThat(saved.get("init_lora_weights").asBoolean()).isTrue();
        assertThat(saved.get("modules_to_save").get(0).asString()).isEqualTo("norm");
        try (LlamaModel original = LlamaModel.load(modelDir, ModelOptions.inference())) {
            float[] base = logits(original);
            PeftAdapter.load(original, wholeOut, false);
            float[] converted = logits(original);
            assertThat(converted).isNotEqualTo(base);
            for (int i = 0; i < trained.length; i++) {
                assertThat(converted[i]).as("logit %d", i).isCloseTo(trained[i], within(1e-4f));
            }
        }

        Path out = dir.resolve("parts");
        List<Double> parts = new ArrayList<>();
        try (LlamaModel model = pissaModel()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> r.logs.size() >= 4);
            parts.addAll(r.losses());
        }
        try (LlamaModel model = pissaModel()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
        }
        assertThat(parts).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(parts.get(i)).as("PiSSA loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-5));
        }
    }

    @Test
    void aNewAdapterOnAMergedOneStartsAtTheMergedModelAndTrainsOnlyItself() throws IOException, URISyntaxException {
        Path tiny = Path.of(getClass().getResource("/dora/tiny-llama").toURI());
        Path adapter = Path.of(getClass().getResource("/dora/adapter").toURI());
        JsonNode reference = JSON.readTree(Files.readString(Path.of(getClass().getResource("/dora/reference.json").toURI())));
        long[] ids = new long[reference.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = reference.get("input_ids").get(i).asLong();
        }
        try (LlamaModel model = LlamaModel.load(tiny, ModelOptions.training(FineTuning.none(), 5))) {
            PeftAdapter.load(model, adapter, false);
            model.merge();
            model.startLora(new FineTuning.Lora(new LoraConfig(2, 4, 0, List.of("k_proj"), false)), 5);
            assertThat(model.trainableParameters().keySet()).hasSize(2 * 2)
                    .allMatch(name -> name.contains("k_proj.lora_"));
            float[] fresh;
            try (NDManager step = NDManager.newBaseManager()) {
                fresh = model.logits(step, model.hiddenStates(step, step.create(ids, new Shape(1, ids.length)), false))
                        .toFloatArray();
            }
            JsonNode merged = reference.get("merged_logits");
            for (int i = 0; i < fresh.length; i++) {
                assertThat((double) fresh[i]).isCloseTo(merged.get(i).asDouble(), within(2e-4));
            }
        }
    }
}
