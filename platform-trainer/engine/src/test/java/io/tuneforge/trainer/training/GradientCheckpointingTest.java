package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient checkpointing recomputes each decoder block in backward instead of keeping its activations: the
 * gradients, the loss curve and a resumed run must be those of training without it (fp32, tiny random Llama).
 */
class GradientCheckpointingTest {

    private static final LlamaShape TINY = new LlamaShape(32, 3, 4, 2, 64, 64, 16, 2, 4, 7);
    private static final List<String> ALL_LINEARS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    @TempDir
    static Path shared;

    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("tiny-llama"), TINY, 3);
    }

    private static LlamaModel lora(double dropout) throws IOException {
        LoraConfig lora = new LoraConfig(4, 8, dropout, ALL_LINEARS, false);
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(lora), 5));
    }

    private static LlamaModel full() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Full(), 5));
    }

    @Test
    void loraGradientsEqualThoseOfAPlainBackward() throws IOException {
        Map<String, float[]> plain = gradients(lora(0.0), false);
        Map<String, float[]> checkpointed = gradients(lora(0.0), true);
        assertSameGradients(checkpointed, plain, 3 * 7 * 2);
    }

    @Test
    void fullFineTuningGradientsEqualThoseOfAPlainBackward() throws IOException {
        Map<String, float[]> plain = gradients(full(), false);
        Map<String, float[]> checkpointed = gradients(full(), true);
        // embedding (tied to the LM head), 3 × (2 norms + 7 linears), final norm: the embedding's gradient comes
        // from the LM head and, through every recomputed block, from the input side
        assertSameGradients(checkpointed, plain, 1 + 3 * 9 + 1);
        assertThat(maxAbs(checkpointed.get("model.embed_tokens.weight"))).isGreaterThan(1e-4f);
    }

    @Test
    void trainingCurveAndAdapterMatchTrainingWithoutCheckpointing() throws IOException {
        List<TokenizedSample> train = samples(12, 1);
        List<List<Double>> curves = new ArrayList<>();
        for (boolean checkpointing : new boolean[] {false, true}) {
            try (LlamaModel model = lora(0.0)) {
                TrainerTest.Recorder r = new TrainerTest.Recorder();
                new Trainer(config(dir.resolve("ckpt-" + checkpointing)).gradientCheckpointing(checkpointing)
                        .build(), model, train, List.of()).train(r, () -> false);
                curves.add(r.losses());
            }
        }
        assertThat(curves.get(0)).hasSize(4);
        for (int i = 0; i < curves.get(0).size(); i++) {
            assertThat(curves.get(1).get(i)).as("loss of step %d", i + 1).isCloseTo(curves.get(0).get(i),
                    within(1e-6));
        }
    }

    @Test
    void resumedCheckpointedRunWithLoraDropoutContinuesTheSameLossCurve() throws IOException {
        List<TokenizedSample> train = samples(12, 1);
        List<Double> whole;
        try (LlamaModel model = lora(0.1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve("whole")).build(), model, train, List.of()).train(r, () -> false);
            whole = r.losses();
        }
        List<Double> parts = new ArrayList<>();
        Path out = dir.resolve("parts");
        try (LlamaModel model = lora(0.1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> r.logs.size() >= 2);
            parts.addAll(r.losses());
        }
        try (LlamaModel model = lora(0.1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out).build(), model, train, List.of()).train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
        }
        assertThat(parts).hasSameSizeAs(whole).hasSize(4);
        assertThat(parts).allSatisfy(l -> assertThat(l).isFinite()).isEqualTo(whole);
        assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("whole").resolve("adapter_model.safetensors")));
    }

    @Test
    void gcBetweenForwardAndBackwardGivesTheSameFiniteLosses() throws IOException {
        List<TokenizedSample> train = samples(12, 4);
        List<List<Double>> curves = new ArrayList<>();
        for (boolean gc : new boolean[] {false, true}) {
            try (LlamaModel model = lora(0.1)) {
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

    // ---------------------------------------------------------------- helpers

    /** Checkpointed LoRA, 2 steps of 2 micro-batches of 3 samples per epoch, 2 epochs, a checkpoint every 2 steps. */
    private static TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(1e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(2).lrSchedulerType(SchedulerType.LINEAR).warmupRatio(0.1).loggingSteps(1)
                .saveSteps(2).evalSteps(0).seed(11).gradientCheckpointing(true);
    }

    /**
     * The gradient of the summed token NLL of one batch for every trainable parameter (LoRA B given random values
     * first: at zero it leaves A without gradient). Closes the model.
     */
    private static Map<String, float[]> gradients(LlamaModel model, boolean checkpointing) {
        Batch batch = Batch.collate(samples(3, 2), 0);
        Map<String, float[]> out = new LinkedHashMap<>();
        try (model; GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
            Random random = new Random(9);
            for (NDArray p : model.trainableParameters().values()) {
                if (model.loraConfig().isPresent()) {
                    float[] values = new float[(int) p.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * 0.5);
                    }
                    p.set(values);
                }
            }
            model.gradientCheckpointing(checkpointing);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), true);  // (B, T, C)
                NDArray nll = CausalLmLoss.weightedNegativeLogLikelihoodSum(step, hidden, model, batch, 256,
                        TokenLossWeighting.none());                                            // ()
                model.backward(collector, nll);
            }
            model.trainableParameters().forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
        }
        return out;
    }

    private static void assertSameGradients(Map<String, float[]> actual, Map<String, float[]> expected, int count) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet()).hasSize(count);
        expected.forEach((name, grad) -> {
            float[] got = actual.get(name);
            assertThat(maxAbs(grad)).as("%s has a gradient", name).isGreaterThan(0f);
            for (int i = 0; i < grad.length; i++) {
                assertThat((double) got[i]).as("%s[%d]", name, i).isCloseTo(grad[i], within(1e-6));
            }
        });
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
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
}
