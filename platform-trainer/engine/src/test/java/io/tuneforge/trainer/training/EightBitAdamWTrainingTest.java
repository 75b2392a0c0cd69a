package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.RandomLlama;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.OptimizerType;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * optim adamw_8bit inside real training (full fine-tuning of a small random Llama whose MLP matrices have
 * at least 4096 numbers; the LM head is tied to the embedding): the checkpoint holds uint8 codes for those, float32 moments for the embedding and the small
 * tensors, and a resumed run ends on the same losses and weights as an uninterrupted one.
 */
class EightBitAdamWTrainingTest {

    /** hidden 64, 1 layer, MLP 96 (64×96 = 6144 numbers: 8-bit), vocabulary 64 (embedding 4096: 32-bit by name). */
    private static final LlamaShape SMALL = new LlamaShape(64, 1, 4, 2, 96, 64, 16, 2, 4, 2);

    @TempDir
    static Path shared;
    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("small-llama"), SMALL, 3);
    }

    private static LlamaModel load() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Full(), 5));
    }

    private static List<TokenizedSample> samples(int count, long seed) {
        return RandomSamples.of(count, seed);
    }

    private static TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(1e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .maxSteps(6).lrSchedulerType(SchedulerType.LINEAR).loggingSteps(1).saveSteps(3).evalSteps(0).seed(11)
                .maxGradNorm(1.0).weightDecay(0.05).optim(OptimizerType.ADAMW_8BIT);
    }

    @Test
    void checkpointHoldsEightBitCodesAndAResumedRunEqualsTheUninterruptedOne() throws IOException {
        List<TokenizedSample> train = samples(24, 3);
        List<Double> whole;
        Map<String, float[]> wholeWeights;
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve("whole")).build(), model, train, List.of()).train(r, () -> false);
            whole = r.losses();
            wholeWeights = weights(model);
        }
        Path out = dir.resolve("parts");
        List<Double> parts = new ArrayList<>();
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> r.logs.size() >= 3);
            parts.addAll(r.losses());
        }
        Path checkpoint = CheckpointStore.latest(out).orElseThrow();
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointStore.Loaded loaded = CheckpointStore.load(checkpoint, m);
            assertThat(loaded.state().optim()).isEqualTo("adamw_8bit");
            var state = loaded.optimizerState();
            assertThat(state.get("state1.model.layers.0.mlp.up_proj.weight").getDataType()).isEqualTo(DataType.UINT8);
            assertThat(state.get("absmax1.model.layers.0.mlp.up_proj.weight").getShape().get(0)).isEqualTo(24);
            assertThat(state.get("state1.model.embed_tokens.weight").getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(state.get("state1.model.norm.weight").getDataType()).isEqualTo(DataType.FLOAT32);
        }
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of())
                    .train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
            Map<String, float[]> resumed = weights(model);
            for (String p : wholeWeights.keySet()) {
                float[] a = wholeWeights.get(p);
                float[] b = resumed.get(p);
                for (int i = 0; i < a.length; i++) {
                    assertThat(b[i]).as("%s[%d] after the resumed run", p, i).isCloseTo(a[i], within(1e-6f));
                }
            }
        }
        assertThat(whole).hasSize(6).allMatch(Double::isFinite);
        assertThat(whole.getLast()).isLessThan(whole.getFirst());
        for (int i = 0; i < whole.size(); i++) {
            assertThat(parts.get(i)).as("loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-6));
        }
    }

    private static Map<String, float[]> weights(LlamaModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, array) -> out.put(name, array.toFloatArray()));
        return out;
    }
}
