package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    @TempDir
    Path dir;

    /** Sequences counting up by a per-sample stride (mod vocab); the first two tokens are prompt. */
    static List<TokenizedSample> countingSamples(int count, int stride, long seed) {
        Random random = new Random(seed);
        List<TokenizedSample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 6 + random.nextInt(7);
            int start = 1 + random.nextInt(30);
            int[] ids = new int[length];
            int[] labels = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = (start + t * stride) % 31 + 1;
                labels[t] = t < 2 ? TokenizedSample.IGNORE_INDEX : ids[t];
            }
            out.add(new TokenizedSample(ids, labels));
        }
        return out;
    }

    private TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(5e-2).perDeviceTrainBatchSize(4).gradientAccumulationSteps(2)
                .numTrainEpochs(3).lrSchedulerType(SchedulerType.COSINE).warmupSteps(2).loggingSteps(1)
                .saveSteps(0).evalSteps(0).weightDecay(0.01).seed(7);
    }

    /** Records every logged loss, evaluation and checkpoint. */
    static class Recorder implements TrainingListener {
        final List<TrainingLog> logs = new ArrayList<>();
        final List<EvaluationResult> evaluations = new ArrayList<>();
        final List<CheckpointSaved> checkpoints = new ArrayList<>();
        TrainingPlan plan;

        @Override
        public void onTrainingStarted(TrainingPlan p) {
            plan = p;
        }

        @Override
        public void onLog(TrainingLog log) {
            logs.add(log);
        }

        @Override
        public void onEvaluation(EvaluationResult result) {
            evaluations.add(result);
        }

        @Override
        public void onCheckpointSaved(CheckpointSaved event) {
            checkpoints.add(event);
        }

        List<Double> losses() {
            return logs.stream().map(TrainingLog::loss).toList();
        }
    }

    private Recorder run(TrainingConfig config, List<TokenizedSample> train, List<TokenizedSample> eval)
            throws IOException {
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            Recorder recorder = new Recorder();
            new Trainer(config, model, train, eval).train(recorder, () -> false);
            return recorder;
        }
    }

    @Test
    void sameSeedGivesTheSameLossCurveAndAnotherSeedAnother() throws IOException {
        List<TokenizedSample> train = countingSamples(24, 3, 1);
        List<Double> first = run(config(dir.resolve("a")).build(), train, List.of()).losses();
        List<Double> second = run(config(dir.resolve("b")).build(), train, List.of()).losses();
        List<Double> otherSeed = run(config(dir.resolve("c")).seed(8).build(), train, List.of()).losses();
        assertThat(first).hasSize(9).allSatisfy(l -> assertThat(l).isFinite());
        assertThat(second).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void trainingLowersTheLossAndLogsEveryField() throws IOException {
        List<TokenizedSample> train = countingSamples(24, 3, 1);
        Recorder r = run(config(dir).numTrainEpochs(8).build(), train, List.of());
        assertThat(r.plan.totalSteps()).isEqualTo(24);
        assertThat(r.plan.stepsPerEpoch()).isEqualTo(3);
        double firstEpoch = r.losses().subList(0, 3).stream().mapToDouble(d -> d).average().orElseThrow();
        double lastEpoch = r.losses().subList(21, 24).stream().mapToDouble(d -> d).average().orElseThrow();
        assertThat(lastEpoch).isLessThan(firstEpoch * 0.8);
        TrainingLog first = r.logs.getFirst();
        assertThat(first.step()).isEqualTo(1);
        assertThat(first.learningRate()).isZero();                       // warmup starts at 0
        assertThat(r.logs.get(1).learningRate()).isCloseTo(2.5e-2, within(1e-12));
        assertThat(first.gradNorm()).isPositive();
        assertThat(first.tokensSeen()).isPositive();
        assertThat(first.tokensPerSecond()).isPositive();
        assertThat(r.logs.getLast().eta()).isZero();
        assertThat(r.logs.getLast().epoch()).isCloseTo(8.0, within(1e-9));
        assertThat(r.logs.getLast().tokensSeen())
                .isEqualTo(8 * train.stream().mapToLong(TokenizedSample::length).sum());
        assertThat(dir.resolve("adapter_model.safetensors")).exists();
    }

    @Test
    void trainerLogWriterWritesLlamaFactoryJsonLines() throws IOException {
        List<TokenizedSample> train = countingSamples(24, 3, 1);
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            new Trainer(config(dir).evalSteps(9).loggingSteps(3).build(), model, train, countingSamples(4, 3, 2))
                    .train(TrainingListeners.of(new TrainerLogWriter(dir), new Recorder()), () -> false);
        }
        List<String> lines = Files.readAllLines(dir.resolve(TrainerLogWriter.FILE_NAME));
        assertThat(lines).hasSize(4);
        assertThat(lines.getFirst()).startsWith("{\"current_steps\":3,\"total_steps\":9,\"loss\":")
                .contains("\"elapsed_time\":\"0:00:0").contains("\"total_tokens\":");
        assertThat(lines.getLast()).contains("\"eval_loss\":").contains("\"current_steps\":9");
    }

    @Test
    void resumedRunContinuesTheSameLossCurve() throws IOException {
        List<TokenizedSample> train = countingSamples(24, 3, 1);
        Path uninterrupted = dir.resolve("whole");
        List<Double> whole = run(config(uninterrupted).saveSteps(4).build(), train, List.of()).losses();

        Path interrupted = dir.resolve("parts");
        TrainingResult cancelled;
        List<Double> before;
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            Recorder r = new Recorder();
            cancelled = new Trainer(config(interrupted).saveSteps(4).build(), model, train, List.of())
                    .train(r, () -> r.logs.size() >= 5);
            before = r.losses();
        }
        assertThat(cancelled.status()).isEqualTo(TrainingStatus.CANCELLED);
        assertThat(cancelled.lastCheckpoint()).contains(interrupted.resolve("checkpoint-5"));
        assertThat(CheckpointStore.latest(interrupted)).contains(interrupted.resolve("checkpoint-5"));

        List<Double> after;
        try (TinyCausalModel freshModel = TinyCausalModel.small(1)) {
            // scramble the LoRA weights: they must come from the checkpoint
            freshModel.trainableParameters().values().forEach(p -> p.set(new float[(int) p.size()]));
            Recorder r = new Recorder();
            TrainingResult result = new Trainer(config(interrupted).saveSteps(4).build(), freshModel, train, List.of())
                    .train(r, () -> false, CheckpointStore.latest(interrupted));
            assertThat(result.status()).isEqualTo(TrainingStatus.COMPLETED);
            assertThat(r.plan.startStep()).isEqualTo(5);
            after = r.losses();
        }
        List<Double> joined = new ArrayList<>(before);
        joined.addAll(after);
        assertThat(joined).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(joined.get(i)).as("loss of step %d", i + 1).isCloseTo(whole.get(i), within(1e-5));
        }
        assertThat(Files.readAllBytes(interrupted.resolve("adapter_model.safetensors")))
                .isEqualTo(Files.readAllBytes(uninterrupted.resolve("adapter_model.safetensors")));
    }

    @Test
    void checkpointsAreCompleteRotatedAndLeaveNoTemporaryFiles() throws IOException {
        Recorder r = run(config(dir).saveSteps(2).saveTotalLimit(2).build(), countingSamples(24, 3, 1), List.of());
        assertThat(r.checkpoints).extracting(CheckpointSaved::step).containsExactly(2L, 4L, 6L, 8L);
        assertThat(CheckpointStore.list(dir)).containsExactly(dir.resolve("checkpoint-6"), dir.resolve("checkpoint-8"));
        for (String file : List.of("trainer_state.json", "trainable.safetensors", "optimizer.safetensors",
                "adapter_model.safetensors")) {
            assertThat(dir.resolve("checkpoint-8").resolve(file)).isRegularFile();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void evalEachEpochEvaluatesAtTheEndOfEveryEpochAndReportsItsProgress() throws IOException {
        // 24 samples, 4 per batch × 2 accumulated = 3 steps per epoch, 3 epochs
        TrainingConfig config = config(dir).evalSteps(TrainingConfig.EVAL_EACH_EPOCH).perDeviceEvalBatchSize(4)
                .build();
        List<String> progress = new ArrayList<>();
        Recorder r = new Recorder() {
            @Override
            public void onEvaluationProgress(long step, int done, int total) {
                progress.add(step + ":" + done + "/" + total);
            }
        };
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            new Trainer(config, model, countingSamples(24, 3, 1), countingSamples(6, 3, 2)).train(r, () -> false);
        }

        assertThat(r.evaluations).extracting(EvaluationResult::step).containsExactly(3L, 6L, 9L);
        assertThat(progress).containsExactly("3:4/6", "3:6/6", "6:4/6", "6:6/6", "9:4/6", "9:6/6");
    }

    @Test
    void evaluatesEveryEvalStepsAndAtTheEnd() throws IOException {
        Recorder r = run(config(dir).evalSteps(4).build(), countingSamples(24, 3, 1), countingSamples(6, 3, 2));
        assertThat(r.evaluations).extracting(EvaluationResult::step).containsExactly(4L, 8L, 9L);
        for (EvaluationResult e : r.evaluations) {
            assertThat(e.perplexity()).isCloseTo(Math.exp(e.loss()), within(1e-9));
            assertThat(e.targetTokens()).isPositive();
        }
        assertThat(r.evaluations.getFirst().best()).isTrue();
    }

    @Test
    void earlyStoppingStopsAfterPatienceEvaluationsWithoutImprovementBeyondMinDelta() throws IOException {
        TrainingConfig config = config(dir).numTrainEpochs(20).evalSteps(2).earlyStoppingPatience(2)
                .earlyStoppingMinDelta(100.0).build();
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            Recorder r = new Recorder();
            TrainingResult result = new Trainer(config, model, countingSamples(24, 3, 1), countingSamples(6, 3, 2))
                    .train(r, () -> false);
            assertThat(result.status()).isEqualTo(TrainingStatus.EARLY_STOPPED);
            assertThat(result.steps()).isEqualTo(6);                      // evals at 2 (first), 4, 6 (no gain > 100)
            assertThat(r.evaluations).hasSize(3);
        }
    }

    @Test
    void loadBestModelAtEndRestoresTheWeightsOfTheLowestValidationLoss() throws IOException {
        // training on stride 3 makes a conflicting stride-5 validation set worse and worse: the first eval is best
        TrainingConfig config = config(dir).numTrainEpochs(6).evalSteps(3).loadBestModelAtEnd(true).build();
        List<TokenizedSample> eval = countingSamples(8, 5, 2);
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            Recorder r = new Recorder();
            TrainingResult result = new Trainer(config, model, countingSamples(24, 3, 1), eval).train(r, () -> false);
            EvaluationResult best = r.evaluations.stream()
                    .min(java.util.Comparator.comparingDouble(EvaluationResult::loss)).orElseThrow();
            assertThat(best.step()).isLessThan(result.steps());
            assertThat(result.bestCheckpoint()).contains(dir.resolve("checkpoint-" + best.step()));
            assertThat(result.bestEvalLoss().orElseThrow()).isEqualTo(best.loss());
            double reloaded = new Trainer(config, model, countingSamples(24, 3, 1), eval).evaluate(eval).loss();
            assertThat(reloaded).isCloseTo(best.loss(), within(1e-6));
        }
    }

    @Test
    void gcBetweenForwardAndBackwardGivesTheSameFiniteLosses() throws IOException {
        List<TokenizedSample> train = countingSamples(24, 3, 1);
        List<Double> plain = run(config(dir.resolve("plain")).build(), train, List.of()).losses();
        List<Double> withGc;
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            Recorder r = new Recorder();
            Trainer trainer = new Trainer(config(dir.resolve("gc")).build(), model, train, List.of());
            trainer.beforeBackward(TrainerTest::forceGc);
            trainer.train(r, () -> false);
            withGc = r.losses();
        }
        assertThat(withGc).allSatisfy(l -> assertThat(l).isFinite()).isEqualTo(plain);
    }

    @Test
    void trainsOnAThreadWhoseAutogradIsOnAsOnAWorkerThreadAndRestoresIt() throws Exception {
        List<TokenizedSample> train = countingSamples(24, 3, 1);
        List<Double> onTestThread = run(config(dir.resolve("here")).build(), train, List.of()).losses();
        List<Object> outcome = new ArrayList<>();
        Thread worker = new Thread(() -> {
            JniUtils.setGradMode(true); // LibTorch's default on a thread DJL did not start on
            try {
                outcome.add(run(config(dir.resolve("worker")).build(), train, List.of()).losses());
                outcome.add(GradMode.isEnabled());
            } catch (IOException | RuntimeException e) {
                outcome.add(e);
            }
        });
        worker.start();
        worker.join();
        assertThat(outcome).containsExactly(onTestThread, true);
    }

    static void forceGc() {
        System.gc();
        System.runFinalization();
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunWithAnActionableMessage() {
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            model.trainableParameters().values().forEach(p -> p.set(nanArray((int) p.size())));
            Trainer trainer = new Trainer(config(dir).build(), model, countingSamples(8, 3, 1), List.of());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trainer.train(TrainingListener.NONE, () -> false))
                    .isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("step 1").hasMessageContaining("learning_rate");
        }
    }

    private static float[] nanArray(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    @Test
    void resumeRefusesACheckpointOfAnotherDataset() throws IOException {
        run(config(dir).saveSteps(2).maxSteps(2).build(), countingSamples(24, 3, 1), List.of());
        try (TinyCausalModel model = TinyCausalModel.small(1)) {
            Trainer trainer = new Trainer(config(dir).build(), model, countingSamples(10, 3, 1), List.of());
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> trainer.train(TrainingListener.NONE, () -> false, CheckpointStore.latest(dir)))
                    .hasMessageContaining("24 training samples").hasMessageContaining("has 10");
        }
    }
}
