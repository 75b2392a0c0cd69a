package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ASFT in training (use_asft_loss): the reference is the starting model, so on the first step the KL anchor is zero
 * with a zero gradient and the run takes DFT's step exactly; from then on the loss carries alpha·KL above DFT's.
 * LoRA anchors to its own adapters-off base, full tuning to a frozen copy.
 */
class AsftTrainingTest {

    private static final LlamaShape TINY = new LlamaShape(32, 2, 4, 2, 64, 64, 16, 2, 4, 7);

    @TempDir
    static Path shared;

    static Path modelDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModel() throws IOException {
        modelDir = RandomLlama.write(shared.resolve("tiny-llama"), TINY, 3);
    }

    @Test
    void loraStartsWithDftsStepThenPaysTheAnchor() throws IOException {
        assertAnchoredCurve(() -> LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(
                new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"), false)), 5)));
    }

    @Test
    void fullTuningAnchorsToAFrozenCopyOfTheStartingModel() throws IOException {
        assertAnchoredCurve(() -> LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Full(), 5)));
    }

    @Test
    void aResumedAsftRunContinuesTheSameCurve() throws IOException {
        List<TokenizedSample> train = samples(12);
        List<Double> whole = curve(lora(), config(dir.resolve("whole"), 0.5).build(), train, () -> false);
        Path out = dir.resolve("parts");
        TrainerTest.Recorder first = new TrainerTest.Recorder();
        try (LlamaModel model = lora()) {
            new Trainer(config(out, 0.5).build(), model, train, List.of()).train(first, () -> first.logs.size() >= 2);
        }
        TrainerTest.Recorder second = new TrainerTest.Recorder();
        try (LlamaModel model = lora()) {
            new Trainer(config(out, 0.5).build(), model, train, List.of()).train(second, () -> false,
                    CheckpointStore.latest(out));
        }
        List<Double> parts = new ArrayList<>(first.losses());
        parts.addAll(second.losses());
        assertThat(parts).hasSize(4).isEqualTo(whole);
        assertThat(Files.readAllBytes(out.resolve("adapter_model.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("whole").resolve("adapter_model.safetensors")));
    }

    private interface ModelSupplier {
        LlamaModel load() throws IOException;
    }

    private void assertAnchoredCurve(ModelSupplier model) throws IOException {
        List<TokenizedSample> train = samples(12);
        List<Double> dft = curve(model.load(), config(dir.resolve("dft"), 0).lossWeighting(
                new TokenLossWeighting.Dft()).build(), train, () -> false);
        List<Double> asft = curve(model.load(), config(dir.resolve("asft"), 1.0).build(), train, () -> false);

        assertThat(asft.getFirst()).as("step 1: the model is its reference, KL = 0").isCloseTo(dft.getFirst(),
                within(1e-6));
        assertThat(asft.get(1)).as("step 2: same weights as DFT's (the anchor's gradient was zero), plus alpha·KL")
                .isGreaterThan(dft.get(1) + 1e-7);
        assertThat(asft).allSatisfy(l -> assertThat(l).isFinite());
    }

    private static LlamaModel lora() throws IOException {
        return LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(
                new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), false)), 5));
    }

    private static List<Double> curve(LlamaModel model, TrainingConfig config, List<TokenizedSample> train,
                                      java.util.function.BooleanSupplier stop) throws IOException {
        try (model) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            new Trainer(config, model, train, List.of()).train(r, stop);
            return r.losses();
        }
    }

    /** 2 steps of 2 micro-batches of 3 samples per epoch, 2 epochs, a checkpoint every 2 steps. */
    private static TrainingConfig.Builder config(Path out, double alpha) {
        return TrainingConfig.builder(out).learningRate(3e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(2).lrSchedulerType(SchedulerType.CONSTANT).loggingSteps(1).saveSteps(2).evalSteps(0)
                .seed(11).lossWeighting(new TokenLossWeighting.Asft(alpha));
    }

    private static List<TokenizedSample> samples(int count) {
        return RandomSamples.of(count, 1);
    }
}
