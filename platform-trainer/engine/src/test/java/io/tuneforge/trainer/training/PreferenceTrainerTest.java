package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.training.checkpoint.CheckpointStore;
import io.tuneforge.trainer.training.optim.SchedulerType;
import io.tuneforge.trainer.training.preference.PreferenceConfig;
import io.tuneforge.trainer.training.preference.PreferenceLoss;
import io.tuneforge.trainer.training.preference.PreferenceObjective;
import io.tuneforge.trainer.training.preference.PreferenceTraining;
import io.tuneforge.trainer.training.preference.ReferenceModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on preference pairs (stage dpo) with a frozen reference copy: resume and the GC trap. */
class PreferenceTrainerTest {

    @TempDir
    Path dir;

    /** Pairs over ids 1..31: the same prompt, two different answers. */
    private static List<PreferencePair> pairs(int count, long seed) {
        Random random = new Random(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = {1 + random.nextInt(31), 1 + random.nextInt(31), 1 + random.nextInt(31)};
            out.add(new PreferencePair(answered(prompt, random), answered(prompt, random)));
        }
        return out;
    }

    private static TokenizedSample answered(int[] prompt, Random random) {
        int length = 2 + random.nextInt(4);
        int[] ids = java.util.Arrays.copyOf(prompt, prompt.length + length);
        int[] labels = new int[ids.length];
        java.util.Arrays.fill(labels, 0, prompt.length, TokenizedSample.IGNORE_INDEX);
        for (int t = prompt.length; t < ids.length; t++) {
            ids[t] = 1 + random.nextInt(31);
            labels[t] = ids[t];
        }
        return new TokenizedSample(ids, labels);
    }

    private static TrainingConfig.Builder config(Path out) {
        return TrainingConfig.builder(out).learningRate(5e-2).perDeviceTrainBatchSize(3).gradientAccumulationSteps(2)
                .numTrainEpochs(3).lrSchedulerType(SchedulerType.COSINE).warmupSteps(1).loggingSteps(1)
                .saveSteps(0).evalSteps(0).seed(7);
    }

    private static PreferenceTraining dpo(TinyCausalModel reference) {
        return new PreferenceTraining(new PreferenceObjective(PreferenceConfig.defaults(PreferenceLoss.SIGMOID)),
                Optional.of(ReferenceModel.frozen(reference)));
    }

    @Test
    void resumedDpoRunContinuesTheSameLossCurveAndRewards() throws IOException {
        List<PreferencePair> train = pairs(18, 3);
        List<TrainingLog> whole;
        try (TinyCausalModel model = TinyCausalModel.small(1); TinyCausalModel reference = TinyCausalModel.small(1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            Trainer.preference(config(dir.resolve("whole")).build(), model, train, List.of(), dpo(reference))
                    .train(r, () -> false);
            whole = r.logs;
        }
        Path interrupted = dir.resolve("parts");
        List<TrainingLog> joined = new ArrayList<>();
        try (TinyCausalModel model = TinyCausalModel.small(1); TinyCausalModel reference = TinyCausalModel.small(1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            TrainingResult cancelled = Trainer.preference(config(interrupted).saveSteps(2).build(), model, train,
                    List.of(), dpo(reference)).train(r, () -> r.logs.size() >= 4);
            assertThat(cancelled.status()).isEqualTo(TrainingStatus.CANCELLED);
            joined.addAll(r.logs);
        }
        try (TinyCausalModel model = TinyCausalModel.small(1); TinyCausalModel reference = TinyCausalModel.small(1)) {
            model.trainableParameters().values().forEach(p -> p.set(new float[(int) p.size()]));
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            Trainer.preference(config(interrupted).saveSteps(2).build(), model, train, List.of(), dpo(reference))
                    .train(r, () -> false, CheckpointStore.latest(interrupted));
            assertThat(r.plan.startStep()).isEqualTo(4);
            joined.addAll(r.logs);
        }
        assertThat(joined).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(joined.get(i).loss()).as("loss of step %d", i + 1).isCloseTo(whole.get(i).loss(), within(1e-5));
            assertThat(joined.get(i).metrics().get("rewards/margins")).as("margin of step %d", i + 1)
                    .isCloseTo(whole.get(i).metrics().get("rewards/margins"), within(1e-5));
        }
        assertThat(whole.getFirst().metrics()).containsOnlyKeys("rewards/chosen", "rewards/rejected",
                "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected");
    }

    @Test
    void gcBetweenForwardAndBackwardGivesTheSameFiniteLosses() throws IOException {
        List<PreferencePair> train = pairs(12, 5);
        List<Double> plain;
        List<Double> withGc;
        try (TinyCausalModel model = TinyCausalModel.small(1); TinyCausalModel reference = TinyCausalModel.small(1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            Trainer.preference(config(dir.resolve("plain")).build(), model, train, List.of(), dpo(reference))
                    .train(r, () -> false);
            plain = r.losses();
        }
        try (TinyCausalModel model = TinyCausalModel.small(1); TinyCausalModel reference = TinyCausalModel.small(1)) {
            TrainerTest.Recorder r = new TrainerTest.Recorder();
            Trainer trainer = Trainer.preference(config(dir.resolve("gc")).build(), model, train, List.of(),
                    dpo(reference));
            trainer.beforeBackward(TrainerTest::forceGc);
            trainer.train(r, () -> false);
            withGc = r.losses();
        }
        assertThat(withGc).allSatisfy(l -> assertThat(l).isFinite()).isEqualTo(plain);
    }
}
