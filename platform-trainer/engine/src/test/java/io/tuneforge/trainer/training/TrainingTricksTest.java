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
import io.tuneforge.trainer.model.Neftune;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.RandomLlama;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.OptimizerType;
import io.tuneforge.trainer.training.optim.SchedulerOptions;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NEFTune, LoRA+, the optimizers and the plateau schedule inside the trainer, on a tiny random Llama with LoRA. */
class TrainingTricksTest {

    private static final LlamaShape TINY = new LlamaShape(32, 2, 4, 2, 64, 64, 16, 2, 4, 2);
    private static final List<String> TARGETS = List.of("q_proj", "v_proj");

    @TempDir
    static Path shared;

    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("tiny-llama"), TINY, 3);
    }

    private static LlamaModel load() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(new LoraConfig(4, 8, 0.0,
                TARGETS, false)), 5));
    }

    private static List<TokenizedSample> samples(int count, long seed) {
        return RandomSamples.of(count, seed);
    }

    private TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(1e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(2).lrSchedulerType(SchedulerType.LINEAR).warmupSteps(0).loggingSteps(1)
                .saveSteps(3).evalSteps(0).seed(11).maxGradNorm(0);
    }

    @Test
    void neftuneNoiseIsUniformWithinAlphaOverRootOfLengthTimesWidth() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(4, 16, 32));
            NDArray noisy = Neftune.addNoise(m, x, 5.0);
            float[] noise = noisy.sub(x).toFloatArray();
            double bound = 5.0 / Math.sqrt(16 * 32);
            double max = 0;
            double meanAbs = 0;
            for (float v : noise) {
                max = Math.max(max, Math.abs(v));
                meanAbs += Math.abs(v) / noise.length;
            }
            assertThat(max).isLessThanOrEqualTo(bound * (1 + 1e-6)).isGreaterThan(0.98 * bound);
            assertThat(meanAbs).as("mean |U(-m, m)| = m/2").isCloseTo(bound / 2, within(bound * 0.05));
        }
    }

    @Test
    void neftuneChangesTrainingForwardsOnlyAndTheLossCurve() throws IOException {
        List<TokenizedSample> train = samples(12, 1);
        Batch batch = Batch.collate(train.subList(0, 3), 0);
        List<Double> plain;
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve("plain")).build(), model, train, List.of()).train(r, () -> false);
            plain = r.losses();
        }
        try (LlamaModel model = load(); NDManager m = NDManager.newBaseManager()) {
            float[] evalBefore = model.hiddenStates(m, batch.inputIdsArray(m), false).toFloatArray();
            model.neftuneNoiseAlpha(5.0);
            assertThat(model.hiddenStates(m, batch.inputIdsArray(m), false).toFloatArray()).isEqualTo(evalBefore);
            assertThat(model.hiddenStates(m, batch.inputIdsArray(m), true).toFloatArray()).isNotEqualTo(evalBefore);
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve("noisy")).neftuneNoiseAlpha(5.0).build(), model, train, List.of())
                    .train(r, () -> false);
            assertThat(r.losses()).hasSameSizeAs(plain).isNotEqualTo(plain);
            assertThat(r.losses().getFirst()).as("the first loss is measured on noisy embeddings")
                    .isNotEqualTo(plain.getFirst()).isCloseTo(plain.getFirst(), within(0.05));
        }
    }

    @Test
    void loraPlusMultipliesTheFirstUpdateOfBOnly() throws IOException {
        // B starts at zero, so A gets no gradient in the first step; with SGD, B moves by -lr·ratio·grad
        List<TokenizedSample> train = samples(6, 2);
        Map<String, float[]> plain = firstStepWeights(config(dir.resolve("p")), train);
        Map<String, float[]> plus = firstStepWeights(config(dir.resolve("q")).loraPlusLrRatio(16), train);
        plain.forEach((name, before) -> {
            float[] after = plus.get(name);
            double factor = name.contains("lora_B") ? 16 : 1;
            for (int i = 0; i < before.length; i++) {
                assertThat((double) after[i]).as("%s[%d]", name, i)
                        .isCloseTo(factor * before[i], within(1e-6 + 1e-5 * Math.abs(factor * before[i])));
            }
        });
        assertThat(plain.keySet()).anyMatch(n -> n.contains("lora_B"));
        assertThat(plain.entrySet()).anyMatch(e -> e.getKey().contains("lora_B")
                && java.util.stream.IntStream.range(0, e.getValue().length).anyMatch(i -> e.getValue()[i] != 0));
    }

    private Map<String, float[]> firstStepWeights(TrainingConfig.Builder builder, List<TokenizedSample> train)
            throws IOException {
        try (LlamaModel model = load()) {
            new Trainer(builder.optim(OptimizerType.SGD).maxSteps(1).saveSteps(0).build(), model, train, List.of())
                    .train(new TrainerTest.Recorder(), () -> false);
            Map<String, float[]> out = new java.util.LinkedHashMap<>();
            model.trainableParameters().forEach((name, array) -> out.put(name, array.toFloatArray()));
            return out;
        }
    }

    /** lr_scheduler_type greedy moves the rate after each evaluation, and a resumed run moves it alike. */
    @Test
    void greedyFollowsTheValidationLossAndResumesItsState() throws IOException {
        List<TokenizedSample> train = samples(18, 3);
        List<TokenizedSample> eval = samples(4, 4);
        TrainingConfig.Builder base = config(dir).lrSchedulerType(SchedulerType.GREEDY).evalSteps(1)
                .lrSchedulerOptions(SchedulerOptions.fromKwargs(SchedulerType.GREEDY,
                        Map.of("patience", 0, "factor", 0.5, "min_lr", 1e-4)));
        List<Double> wholeLrs;
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(base.outputDir(dir.resolve("greedy-whole")).build(), model, train, eval).train(r, () -> false);
            wholeLrs = r.logs.stream().map(TrainingLog::learningRate).toList();
        }
        Path out = dir.resolve("greedy-parts");
        List<Double> partLrs = new ArrayList<>();
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(base.outputDir(out).build(), model, train, eval).train(r, () -> r.logs.size() >= 3);
            r.logs.forEach(l -> partLrs.add(l.learningRate()));
        }
        try (LlamaModel model = load()) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(base.outputDir(out).build(), model, train, eval).train(r, () -> false,
                    CheckpointStore.latest(out));
            r.logs.forEach(l -> partLrs.add(l.learningRate()));
        }
        assertThat(wholeLrs).hasSize(6).as("greedy moved the rate").anyMatch(lr -> Math.abs(lr - 1e-2) > 1e-9);
        assertThat(partLrs).isEqualTo(wholeLrs);
    }

    @Test
    void resumedRunsContinueTheSameLossCurveWithEachOptimizerAndTrick() throws IOException {
        List<TokenizedSample> train = samples(18, 3);
        List<TokenizedSample> eval = samples(4, 4);
        for (OptimizerType optim : OptimizerType.values()) {
            TrainingConfig.Builder base = config(dir).optim(optim).neftuneNoiseAlpha(5).loraPlusLrRatio(4)
                    .lrSchedulerType(SchedulerType.REDUCE_LR_ON_PLATEAU).evalSteps(1)
                    .lrSchedulerOptions(SchedulerOptions.fromKwargs(SchedulerType.REDUCE_LR_ON_PLATEAU,
                            Map.of("patience", 0, "threshold", 0.5)));
            List<Double> whole;
            List<Double> wholeLrs;
            try (LlamaModel model = load()) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(base.outputDir(dir.resolve(optim + "-whole")).build(), model, train, eval)
                        .train(r, () -> false);
                whole = r.losses();
                wholeLrs = r.logs.stream().map(TrainingLog::learningRate).toList();
            }
            Path out = dir.resolve(optim + "-parts");
            List<Double> parts = new ArrayList<>();
            List<Double> partLrs = new ArrayList<>();
            try (LlamaModel model = load()) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(base.outputDir(out).build(), model, train, eval).train(r, () -> r.logs.size() >= 4);
                parts.addAll(r.losses());
                r.logs.forEach(l -> partLrs.add(l.learningRate()));
            }
            try (LlamaModel model = load()) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(base.outputDir(out).build(), model, train, eval)
                        .train(r, () -> false, CheckpointStore.latest(out));
                parts.addAll(r.losses());
                r.logs.forEach(l -> partLrs.add(l.learningRate()));
            }
            assertThat(whole).as(optim.configName()).hasSize(6);
            assertThat(wholeLrs).as("%s: the plateau schedule lowered the rate", optim.configName())
                    .anyMatch(lr -> lr < 1e-2);
            assertThat(partLrs).as(optim.configName()).isEqualTo(wholeLrs);
            for (int i = 0; i < whole.size(); i++) {
                assertThat(parts.get(i)).as("%s loss of step %d", optim.configName(), i + 1)
                        .isCloseTo(whole.get(i), within(1e-5));
            }
        }
    }

    @Test
    void doraTrainsItsMagnitudeWithDropoutAndResumesOnTheSameLossCurve() throws IOException {
        LoraConfig dora = new LoraConfig(4, 8, 0.1, TARGETS, false, true);
        List<TokenizedSample> train = samples(18, 5);
        TrainingConfig.Builder base = config(dir).maxGradNorm(1.0);
        List<Double> whole;
        float[] magnitudeBefore;
        float[] magnitudeAfter;
        String magnitude = "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector";
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(dora), 5))) {
            magnitudeBefore = model.trainableParameters().get(magnitude).toFloatArray();
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(base.outputDir(dir.resolve("whole")).build(), model, train, List.of()).train(r, () -> false);
            whole = r.losses();
            magnitudeAfter = model.trainableParameters().get(magnitude).toFloatArray();
        }
        assertThat(magnitudeAfter).isNotEqualTo(magnitudeBefore);
        assertThat(whole).allSatisfy(l -> assertThat(l).isFinite());
        Path out = dir.resolve("parts");
        List<Double> parts = new ArrayList<>();
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(dora), 5))) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(base.outputDir(out).build(), model, train, List.of()).train(r, () -> r.logs.size() >= 4);
            parts.addAll(r.losses());
        }
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(dora), 5))) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(base.outputDir(out).build(), model, train, List.of())
                    .train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
        }
        assertThat(parts).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(parts.get(i)).as("DoRA loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-5));
        }
    }
}
