package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.training.bench.LlamaShape;
import io.tuneforge.trainer.training.bench.RandomLlama;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.ApolloAdamW;
import io.tuneforge.trainer.training.optim.BlockAdam;
import io.tuneforge.trainer.training.optim.BlockAdamRatio;
import io.tuneforge.trainer.training.optim.GaLoreAdamW;
import io.tuneforge.trainer.training.optim.OptimizerMethod;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory-saving optimizers inside real training (full fine-tuning of a tiny random Llama): a run stopped and
 * resumed from its checkpoint continues on the same loss curve and ends on the same weights as an uninterrupted run,
 * the checkpoint holds each optimizer's own state, and BAdam trains one layer at a time.
 */
class MemorySavingOptimizersTrainingTest {

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

    private static LlamaModel load() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Full(), 5));
    }

    private static List<TokenizedSample> samples(int count, long seed) {
        return RandomSamples.of(count, seed);
    }

    private static TrainingConfig.Builder config(Path out, OptimizerMethod method, int accumulation) {
        return TrainingConfig.builder(out).learningRate(1e-2).perDeviceTrainBatchSize(3)
                .gradientAccumulationSteps(accumulation).maxSteps(6).lrSchedulerType(SchedulerType.LINEAR)
                .loggingSteps(1).saveSteps(3).evalSteps(0).seed(11).maxGradNorm(1.0).weightDecay(0.05)
                .optimizerMethod(method);
    }

    private static Map<String, OptimizerMethod> methods() {
        Map<String, OptimizerMethod> m = new LinkedHashMap<>();
        m.put("galore", new OptimizerMethod.GaLore(new GaLoreAdamW.Settings(2, 2, 0.25, List.of("all"), false)));
        m.put("galore_layerwise", new OptimizerMethod.GaLore(
                new GaLoreAdamW.Settings(3, 4, 2.0, List.of("q_proj", "mlp"), true)));
        m.put("apollo", new OptimizerMethod.Apollo(new ApolloAdamW.Settings(4, 2, 32.0,
                ApolloAdamW.ScaleType.CHANNEL, List.of("all"), false)));
        m.put("apollo_svd", new OptimizerMethod.Apollo(new ApolloAdamW.Settings(4, 2, 32.0,
                ApolloAdamW.ScaleType.TENSOR, List.of("all"), false, ApolloAdamW.Projection.SVD)));
        m.put("badam", new OptimizerMethod.BAdam(new BlockAdam.Settings(BlockAdam.SwitchMode.RANDOM, 2,
                OptionalInt.empty(), 11)));
        m.put("badam_ratio", new OptimizerMethod.BAdamRatio(new BlockAdamRatio.Settings(0.3,
                BlockAdamRatio.MaskMode.SCATTER, 4, 11)));
        m.put("adam_mini", new OptimizerMethod.AdamMiniMethod());
        m.put("muon", new OptimizerMethod.MuonMethod());
        return m;
    }

    @Test
    void eachOptimizerResumesOnTheSameLossCurveAndEndsOnTheSameWeights() throws IOException {
        List<TokenizedSample> train = samples(24, 3);
        for (Map.Entry<String, OptimizerMethod> e : methods().entrySet()) {
            String name = e.getKey();
            int accumulation = e.getValue().clipsGradients() ? 2 : 1;
            List<Double> whole;
            Map<String, float[]> wholeWeights;
            try (LlamaModel model = load()) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(config(dir.resolve(name + "-whole"), e.getValue(), accumulation).build(), model, train,
                        List.of()).train(r, () -> false);
                whole = r.losses();
                wholeWeights = weights(model);
            }
            Path out = dir.resolve(name + "-parts");
            List<Double> parts = new ArrayList<>();
            try (LlamaModel model = load()) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(config(out, e.getValue(), accumulation).build(), model, train, List.of())
                        .train(r, () -> r.logs.size() >= 3);
                parts.addAll(r.losses());
            }
            try (LlamaModel model = load()) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(config(out, e.getValue(), accumulation).build(), model, train, List.of())
                        .train(r, () -> false, CheckpointStore.latest(out));
                parts.addAll(r.losses());
                Map<String, float[]> resumed = weights(model);
                for (String p : wholeWeights.keySet()) {
                    float[] a = wholeWeights.get(p);
                    float[] b = resumed.get(p);
                    for (int i = 0; i < a.length; i++) {
                        assertThat(b[i]).as("%s: %s[%d] after the resumed run", name, p, i)
                                .isCloseTo(a[i], within(1e-5f));
                    }
                }
            }
            assertThat(whole).as(name).hasSize(6);
            assertThat(whole).as("%s stays finite", name).allMatch(Double::isFinite);
            for (int i = 0; i < whole.size(); i++) {
                assertThat(parts.get(i)).as("%s loss of step %d", name, i + 1).isCloseTo(whole.get(i), within(1e-5));
            }
        }
    }

    @Test
    void checkpointsHoldEachOptimizersOwnStateAndAResumeWithAnotherOptimizerIsRefused() throws IOException {
        List<TokenizedSample> train = samples(12, 5);
        OptimizerMethod galore = methods().get("galore");
        Path out = dir.resolve("galore");
        try (LlamaModel model = load()) {
            new Trainer(config(out, galore, 1).maxSteps(3).build(), model, train, List.of())
                    .train(new TrainerTest.Recorder(), () -> false);
        }
        Path checkpoint = CheckpointStore.latest(out).orElseThrow();
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointStore.Loaded loaded = CheckpointStore.load(checkpoint, m);
            assertThat(loaded.state().optim()).isEqualTo("galore+adamw_torch");
            assertThat(loaded.optimizerState()).containsKey("galore_projection.model.layers.0.self_attn.q_proj.weight");
            // q_proj (32, 32) at rank 2: moments (32, 2) instead of (32, 32)
            assertThat(loaded.optimizerState().get("exp_avg.model.layers.0.self_attn.q_proj.weight").getShape()
                    .getShape()).containsExactly(32, 2);
        }
        try (LlamaModel model = load()) {
            assertThatThrownBy(() -> new Trainer(config(out, new OptimizerMethod.MuonMethod(), 1).build(), model,
                    train, List.of()).train(new TrainerTest.Recorder(), () -> false, CheckpointStore.latest(out)))
                    .hasMessageContaining("written with optim galore+adamw_torch")
                    .hasMessageContaining("this run has muon");
        }
    }

    @Test
    void badamUpdatesOnlyTheActiveLayerAndLeavesEmbeddingAndHeadFrozen() throws IOException {
        List<TokenizedSample> train = samples(12, 7);
        Map<String, float[]> before;
        Map<String, float[]> after;
        OptimizerMethod badam = new OptimizerMethod.BAdam(new BlockAdam.Settings(BlockAdam.SwitchMode.DESCENDING, 3,
                OptionalInt.empty(), 11));
        try (LlamaModel model = load()) {
            before = weights(model);
            new Trainer(config(dir.resolve("badam"), badam, 1).maxSteps(2).build(), model, train, List.of())
                    .train(new TrainerTest.Recorder(), () -> false);
            after = weights(model);
        }
        for (String name : before.keySet()) {
            boolean changed = !Arrays.equals(before.get(name), after.get(name));
            assertThat(changed).as(name).isEqualTo(name.startsWith("model.layers.1."));
        }
    }

    @Test
    void layerwiseGaloreRefusesGradientAccumulation() {
        assertThatThrownBy(() -> config(dir, methods().get("galore_layerwise"), 2).build())
                .hasMessageContaining("gradient_accumulation_steps");
    }

    private static Map<String, float[]> weights(LlamaModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.trainableParameters().forEach((name, array) -> out.put(name, array.toFloatArray()));
        return out;
    }
}
