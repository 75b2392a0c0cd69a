package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.AttentionKernel;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed precision on the real TinyStories 260K model: bf16 (frozen base held in bfloat16, linears and SDPA computed
 * in bfloat16, LoRA, optimizer and loss in float32) follows float32 in logits, gradients and loss curve, and resumes.
 */
class Bf16TrainingTest {

    private static final LoraConfig LORA = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);

    private static final List<String> STORIES = List.of(
            "Once upon a time, there was a little girl named Lily. She loved to play in the park.",
            "Tom had a big red ball. He liked to throw it to his dog every day.",
            "One day, the cat saw a bird in the tree. The cat wanted to play with the bird.",
            "Lily and her mom went to the store. They bought apples and a new toy.",
            "The sun was hot, so the boy sat under a tree and ate his lunch.",
            "Max was a happy dog. He ran and jumped in the green grass with his friend.",
            "Sue found a shiny rock by the river. She showed it to her dad and he smiled.",
            "The little bird could not fly. Its mom came and helped it back to the nest.");

    private static List<TokenizedSample> samples;
    private static int[] probe;

    @TempDir
    Path dir;

    @BeforeAll
    static void tokenize() throws IOException {
        samples = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            for (String story : STORIES) {
                int[] ids = tokenizer.encodeWithBos(story);
                samples.add(new TokenizedSample(ids, ids.clone()));
            }
            probe = tokenizer.encodeWithBos(STORIES.getFirst() + " " + STORIES.get(1));
        }
    }

    private static LlamaModel load(FineTuning fineTuning, Precision precision, AttentionKernel attention)
            throws IOException {
        return LlamaModel.load(Fixtures.stories260K(), ModelOptions.training(fineTuning, 1, precision, attention));
    }

    private static float[] logits(LlamaModel model) {
        try (NDManager step = model.manager().newSubManager()) {
            NDArray ids = step.create(toLongs(probe), new Shape(1, probe.length));                   // (1, T)
            NDArray hidden = model.hiddenStates(step, ids, false);                                     // (1, T, C)
            return model.logits(step, hidden).toFloatArray();                                          // (1, T, V)
        }
    }

    private static long[] toLongs(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    @Test
    void bf16HoldsTheFrozenBaseInBf16AndItsLogitsFollowFloat32() throws IOException {
        try (LlamaModel fp32 = load(FineTuning.none(), Precision.FP32, AttentionKernel.MANUAL);
             LlamaModel bf16 = load(FineTuning.none(), Precision.BF16, AttentionKernel.SDPA)) {
            assertThat(bf16.linears().values()).allMatch(Linear::heldInBf16);
            assertThat(fp32.linears().values()).noneMatch(Linear::heldInBf16);
            float[] reference = logits(fp32);
            float[] mixed = logits(bf16);
            double maxAbs = 0;
            double maxDiff = 0;
            int agreeingArgmax = 0;
            int positions = reference.length / 512;
            for (int p = 0; p < positions; p++) {
                int best32 = 0;
                int best16 = 0;
                for (int v = 0; v < 512; v++) {
                    int i = p * 512 + v;
                    maxAbs = Math.max(maxAbs, Math.abs(reference[i]));
                    maxDiff = Math.max(maxDiff, Math.abs(reference[i] - mixed[i]));
                    best32 = reference[i] > reference[p * 512 + best32] ? v : best32;
                    best16 = mixed[i] > mixed[p * 512 + best16] ? v : best16;
                }
                agreeingArgmax += best32 == best16 ? 1 : 0;
            }
            assertThat(maxDiff).as("largest logit difference, logits up to %.2f", maxAbs).isLessThan(0.03 * maxAbs);
            assertThat(maxDiff).as("bf16 really computes in bf16").isGreaterThan(1e-4);
            assertThat((double) agreeingArgmax / positions).isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void sdpaInFloat32EqualsManualAttentionOnTheModel() throws IOException {
        try (LlamaModel manual = load(FineTuning.none(), Precision.FP32, AttentionKernel.MANUAL);
             LlamaModel sdpa = load(FineTuning.none(), Precision.FP32, AttentionKernel.SDPA)) {
            float[] a = logits(manual);
            float[] b = logits(sdpa);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).as("logit %d", i).isCloseTo(a[i], within(1e-4f));
            }
        }
    }

    @Test
    void loraGradientsInBf16PointWhereFloat32Points() throws IOException {
        SequencedMap<String, float[]> fp32 = firstGradients(Precision.FP32, AttentionKernel.MANUAL);
        SequencedMap<String, float[]> bf16 = firstGradients(Precision.BF16, AttentionKernel.SDPA);
        assertThat(bf16.keySet()).isEqualTo(fp32.keySet());
        for (String name : fp32.keySet()) {
            if (name.contains("lora_B")) {            // B starts at zero: A has no gradient on the first step
                assertThat(cosine(bf16.get(name), fp32.get(name))).as(name).isGreaterThan(0.99);
            }
        }
    }

    private static SequencedMap<String, float[]> firstGradients(Precision precision, AttentionKernel attention)
            throws IOException {
        try (LlamaModel model = load(new FineTuning.Lora(LORA), precision, attention);
             NDManager step = model.manager().newSubManager()) {
            Batch batch = Batch.collate(samples.subList(0, 4), 0);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), true);           // (B, T, C)
                collector.backward(CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model, batch,
                        256));
            }
            SequencedMap<String, float[]> out = new java.util.LinkedHashMap<>();
            model.trainableParameters().forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
            return out;
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * (double) b[i];
            na += a[i] * (double) a[i];
            nb += b[i] * (double) b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private TrainingConfig.Builder config(Path out, int steps) {
        return TrainingConfig.builder(out).learningRate(5e-3).perDeviceTrainBatchSize(4).gradientAccumulationSteps(1)
                .maxSteps(steps).lrSchedulerType(SchedulerType.CONSTANT).loggingSteps(1).saveSteps(3).evalSteps(0)
                .seed(3);
    }

    private List<Double> curve(Precision precision, AttentionKernel attention, int steps, String name)
            throws IOException {
        try (LlamaModel model = load(new FineTuning.Lora(LORA), precision, attention)) {
            TrainerTest.Recorder recorder = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve(name), steps).build(), model, samples, List.of()).train(recorder, () -> false);
            return recorder.losses();
        }
    }

    @Test
    void bf16LoraLossCurveStaysWithinTwoPercentOfFloat32() throws IOException {
        int steps = 12;     // docs/benchmarks.md records the 50-step curves (train CLI)
        List<Double> fp32 = curve(Precision.FP32, AttentionKernel.MANUAL, steps, "fp32");
        List<Double> bf16 = curve(Precision.BF16, AttentionKernel.SDPA, steps, "bf16");
        assertThat(bf16).hasSize(steps);
        for (int i = 0; i < steps; i++) {
            assertThat(bf16.get(i)).as("loss of step %d (fp32 %s, bf16 %s)", i + 1, fp32, bf16)
                    .isCloseTo(fp32.get(i), within(0.02 * fp32.get(i)));
        }
        assertThat(bf16.getLast()).isLessThan(bf16.getFirst() * 0.8);
        assertThat(dir.resolve("bf16").resolve("adapter_model.safetensors")).isRegularFile();
    }

    @Test
    void resumedBf16RunContinuesTheSameLossCurve() throws IOException {
        List<Double> whole = curve(Precision.BF16, AttentionKernel.SDPA, 6, "whole");
        Path out = dir.resolve("parts");
        List<Double> parts = new ArrayList<>();
        try (LlamaModel model = load(new FineTuning.Lora(LORA), Precision.BF16, AttentionKernel.SDPA)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out, 6).build(), model, samples, List.of()).train(r, () -> r.logs.size() >= 4);
            parts.addAll(r.losses());
        }
        try (LlamaModel model = load(new FineTuning.Lora(LORA), Precision.BF16, AttentionKernel.SDPA)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(out, 6).build(), model, samples, List.of())
                    .train(r, () -> false, CheckpointStore.latest(out));
            parts.addAll(r.losses());
        }
        assertThat(parts).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(parts.get(i)).as("loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-5));
        }
    }

    @Test
    void fullTuningInBf16TrainsFloat32WeightsComputedInBf16() throws IOException {
        try (LlamaModel model = load(new FineTuning.Full(), Precision.BF16, AttentionKernel.SDPA)) {
            assertThat(model.linears().values()).noneMatch(Linear::heldInBf16);
            NDArray q = model.linears().firstEntry().getValue().weight();
            float[] before = q.toFloatArray();
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config(dir.resolve("full"), 5).learningRate(1e-3).build(), model, samples, List.of())
                    .train(r, () -> false);
            assertThat(r.losses().getLast()).isLessThan(r.losses().getFirst());
            assertThat(q.toFloatArray()).isNotEqualTo(before);
        }
    }

    @Test
    void bf16IsRefusedWithFloat16StorageOrOnCuda() {
        assertThatThrownBy(() -> new ModelOptions(io.tuneforge.trainer.device.DeviceSpec.CPU,
                ai.djl.ndarray.types.DataType.FLOAT16, FineTuning.none(), 1, Precision.BF16, AttentionKernel.SDPA))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("bf16");
        assertThatThrownBy(() -> Precision.parse("fp16")).isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("use bf16");
        assertThatThrownBy(() -> AttentionKernel.forFlashAttn("fa2", Precision.BF16))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("sdpa");
        assertThat(AttentionKernel.forFlashAttn("auto", Precision.FP32)).isEqualTo(AttentionKernel.MANUAL);
        assertThat(AttentionKernel.forFlashAttn("auto", Precision.BF16)).isEqualTo(AttentionKernel.SDPA);
    }
}
