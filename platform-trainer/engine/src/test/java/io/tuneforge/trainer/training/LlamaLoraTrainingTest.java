package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.RandomLlama;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the real Llama forward with LoRA adapters, on a tiny random model. */
class LlamaLoraTrainingTest {

    private static final LlamaShape TINY = new LlamaShape(32, 2, 4, 2, 64, 64, 16, 2, 4, 2);

    @TempDir
    static Path shared;

    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("tiny-llama"), TINY, 3);
    }

    private static LlamaModel load(double dropout, List<String> targets) throws IOException {
        LoraConfig lora = new LoraConfig(4, 8, dropout, targets, false);
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(lora), 5));
    }

    private static List<TokenizedSample> samples(int count, long seed) {
        Random random = new Random(seed);
        List<TokenizedSample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 5 + random.nextInt(8);
            int stride = 1 + random.nextInt(3);
            int start = 3 + random.nextInt(40);
            int[] ids = new int[length];
            int[] labels = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 3 + (start + t * stride) % 61;
                labels[t] = t < 2 ? TokenizedSample.IGNORE_INDEX : ids[t];
            }
            out.add(new TokenizedSample(ids, labels));
        }
        return out;
    }

    private TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(1e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(2).lrSchedulerType(SchedulerType.LINEAR).warmupRatio(0.1).loggingSteps(1)
                .saveSteps(3).evalSteps(0).seed(11);
    }

    @Test
    void loraGradientsAgreeWithFiniteDifferences() throws IOException {
        Batch batch = Batch.collate(samples(3, 2), 0);
        try (LlamaModel model = load(0.0, List.of("q_proj", "v_proj", "down_proj"))) {
            // B starts at zero, which leaves A without gradient: give B values first
            Random random = new Random(9);
            for (var e : model.trainableParameters().entrySet()) {
                NDArray p = e.getValue();
                float[] values = new float[(int) p.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.5);
                }
                p.set(values);
            }
            List<FiniteDifferences.Probe> probes = FiniteDifferences.check(model, batch, 2, 1e-2, 7);
            assertThat(probes).hasSize(2 * 2 * 3 * 2);
            double largest = probes.stream().mapToDouble(p -> Math.abs(p.autograd())).max().orElseThrow();
            assertThat(largest).isGreaterThan(1e-3);
            for (FiniteDifferences.Probe p : probes) {
                // fp32 forward: central differences with eps 1e-2 carry ~1e-5 rounding noise
                assertThat(p.autograd()).as("%s[%d]", p.parameter(), p.index())
                        .isCloseTo(p.numerical(), within(3e-4 + 0.02 * Math.abs(p.numerical())));
            }
        }
    }

    @Test
    void resumedRunWithLoraDropoutContinuesTheSameLossCurve() throws IOException {
        List<TokenizedSample> train = samples(18, 1);
        List<Double> whole;
        try (LlamaModel model = load(0.1, List.of("q_proj", "v_proj"))) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve("whole")).build(), model, train, List.of()).train(r, () -> false);
            whole = r.losses();
        }
        List<Double> parts = new ArrayList<>();
        Path out = dir.resolve("parts");
        try (LlamaModel model = load(0.1, List.of("q_proj", "v_proj"))) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            TrainingResult result = new Trainer(config(out).build(), model, train, List.of())
                    .train(r, () -> r.logs.size() >= 4);
            assertThat(result.status()).isEqualTo(TrainingStatus.CANCELLED);
            parts.addAll(r.losses());
        }
        try (LlamaModel model = load(0.1, List.of("q_proj", "v_proj"))) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of())
                    .train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
        }
        assertThat(whole).hasSize(6);
        assertThat(parts).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(parts.get(i)).as("loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-5));
        }
        assertThat(out.resolve("adapter_config.json")).isRegularFile();
        assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("whole").resolve("adapter_model.safetensors")));
        assertThat(out.resolve("checkpoint-3").resolve("adapter_model.safetensors")).isRegularFile();
    }

    @Test
    void gcBetweenForwardAndBackwardGivesTheSameFiniteLosses() throws IOException {
        List<TokenizedSample> train = samples(12, 4);
        List<List<Double>> curves = new ArrayList<>();
        for (boolean gc : new boolean[] {false, true}) {
            try (LlamaModel model = load(0.1, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                    "up_proj", "down_proj"))) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                Trainer trainer = new Trainer(config(dir.resolve("gc-" + gc)).saveSteps(0).build(), model, train,
                        List.of());
                if (gc) {
                    trainer.beforeBackward(TrainerTest::forceGc);
                }
                trainer.train(r, () -> false);
                curves.add(r.losses());
            }
        }
        assertThat(curves.get(1)).allSatisfy(l -> assertThat(l).isFinite()).isEqualTo(curves.get(0));
    }

    @Test
    void liveArrayCountStaysFlatAcrossSteps() throws IOException {
        List<Long> arrays = new ArrayList<>();
        try (LlamaModel model = load(0.1, List.of("q_proj", "v_proj"))) {
            TrainingConfig config = config(dir).maxSteps(120).perDeviceTrainBatchSize(2).gradientAccumulationSteps(1)
                    .loggingSteps(20).saveSteps(0).build();
            new Trainer(config, model, samples(16, 5), List.of()).train(new TrainingListener() {
                @Override
                public void onLog(TrainingLog log) {
                    arrays.add(TrainerMemoryTest.liveArrays());
                }
            }, () -> false);
        }
        assertThat(arrays).hasSize(6);
        assertThat(arrays.subList(1, arrays.size())).containsOnly(arrays.get(1));
    }
}
