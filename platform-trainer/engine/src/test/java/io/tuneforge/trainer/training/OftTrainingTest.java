package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.AdapterFiles;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.oft.OftAdapter;
import io.tuneforge.trainer.model.oft.OftConfig;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.RandomLlama;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;

import java.io.IOException;
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
 * OFT inside the trainer on a tiny random Llama: the loss falls, a resumed run continues the same loss curve, the
 * saved adapter (PEFT layout) reloads to the trained model, and the base weights never change.
 */
class OftTrainingTest {

    private static final LlamaShape TINY = new LlamaShape(32, 2, 4, 2, 64, 64, 16, 2, 4, 2);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long[] INPUT = {3, 9, 14, 27, 40, 55};
    private static final OftConfig OFT = OftConfig.of(0, 8, List.of("q_proj", "v_proj", "o_proj", "down_proj"));

    @TempDir
    static Path shared;

    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("tiny-llama"), TINY, 3);
    }

    private static LlamaModel oftModel() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Oft(OFT), 5));
    }

    private static List<TokenizedSample> samples(int count, long seed) {
        return RandomSamples.of(count, seed);
    }

    private TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(5e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(2).warmupSteps(0).loggingSteps(1).saveSteps(3).evalSteps(0).seed(11).maxGradNorm(1.0);
    }

    private static float[] logits(LlamaModel model) {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray ids = step.create(INPUT, new Shape(1, INPUT.length));
            return model.logits(step, model.hiddenStates(step, ids, false)).toFloatArray();
        }
    }

    @Test
    void oftTrainsOnlyItsRotationsResumesOnTheSameLossCurveAndItsAdapterReloads() throws IOException {
        List<TokenizedSample> train = samples(18, 7);
        List<Double> whole;
        float[] trained;
        float[] baseQ;
        float[] trainedBaseQ;
        Path wholeOut = dir.resolve("whole");
        try (LlamaModel model = oftModel()) {
            assertThat(model.trainableParameters()).hasSize(8).allSatisfy((name, array) ->
                    assertThat(name).endsWith(".oft_R.weight"));
            baseQ = model.linears().get("model.layers.0.self_attn.q_proj").weight().toFloatArray();
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(wholeOut).build(), model, train, List.of()).train(r, () -> false);
            whole = r.losses();
            trained = logits(model);
            trainedBaseQ = model.linears().get("model.layers.0.self_attn.q_proj").weight().toFloatArray();
        }
        assertThat(whole).hasSize(6).allSatisfy(l -> assertThat(l).isFinite());
        assertThat(whole.getLast()).isLessThan(whole.getFirst());
        assertThat(trainedBaseQ).isEqualTo(baseQ);
        JsonNode saved = JSON.readTree(Files.readString(wholeOut.resolve(OftAdapter.CONFIG_FILE)));
        assertThat(saved.get("peft_type").asString()).isEqualTo("OFT");
        assertThat(saved.get("oft_block_size").asInt()).isEqualTo(8);
        try (LlamaModel original = LlamaModel.load(modelDir, ModelOptions.inference())) {
            float[] base = logits(original);
            AdapterFiles.load(original, wholeOut, false);
            float[] reloaded = logits(original);
            assertThat(reloaded).isNotEqualTo(base);
            for (int i = 0; i < trained.length; i++) {
                assertThat(reloaded[i]).as("logit %d", i).isCloseTo(trained[i], within(1e-5f));
            }
        }

        Path out = dir.resolve("parts");
        List<Double> parts = new ArrayList<>();
        try (LlamaModel model = oftModel()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> r.logs.size() >= 4);
            parts.addAll(r.losses());
        }
        try (LlamaModel model = oftModel()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
        }
        assertThat(parts).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(parts.get(i)).as("OFT loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-5));
        }
    }
}
