package io.tuneforge.trainer.training.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.training.EvaluationResult;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainerLogWriter;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingListeners;
import io.tuneforge.trainer.training.optim.SchedulerType;
import io.tuneforge.trainer.training.preference.PreferenceBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reward-model training (stage rm) on the pretrained TinyStories 260K model: a toy preference set whose chosen answers
 * use one group of tokens and whose rejected answers another is learned to a pairwise accuracy above 0.9 (scored
 * after training, in evaluation mode), and
 * the saved model (PEFT adapter + TRL's {@code value_head.safetensors}) scores exactly as the trained one.
 */
class RewardModelTest {

    @TempDir
    Path dir;

    @Test
    void learnsASeparablePreferenceSetAndTheValueHeadRoundTrips() throws Exception {
        Path modelDir = Fixtures.stories260K();
        List<PreferencePair> train = toyPairs(96, 1);
        LoraConfig lora = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);
        double[] trainedRewards;
        try (LlamaModel base = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(lora), 1))) {
            RewardModel model = RewardModel.withNewHead(base, 7);
            double accuracyBefore = accuracy(model, train);
            TrainingConfig config = TrainingConfig.builder(dir).learningRate(3e-3).perDeviceTrainBatchSize(8)
                    .gradientAccumulationSteps(1).maxSteps(30).lrSchedulerType(SchedulerType.CONSTANT)
                    .loggingSteps(6).saveSteps(0).evalSteps(0).seed(3).build();
            List<EvaluationResult> evaluations = new ArrayList<>();
            Trainer.preference(config, model, train, toyPairs(24, 2), new RewardObjective(model))
                    .train(TrainingListeners.of(new TrainerLogWriter(dir), new TrainingListener() {
                        @Override
                        public void onEvaluation(EvaluationResult result) {
                            evaluations.add(result);
                        }
                    }), () -> false);
            assertThat(evaluations).isNotEmpty();
            assertThat(evaluations.getLast().metrics()).containsKeys("rewards/chosen", "rewards/rejected",
                    "rewards/accuracies", "rewards/margins");
            assertThat(Files.readString(dir.resolve(TrainerLogWriter.FILE_NAME))).contains("eval_rewards/accuracies");
            assertThat(evaluations.getLast().metrics().get("rewards/accuracies"))
                    .isEqualTo(accuracy(model, toyPairs(24, 2))); // the trainer's evaluation scores as the model does
            double accuracyAfter = accuracy(model, train);
            assertThat(accuracyAfter).as("pairwise accuracy on the toy set before %.2f; log %s", accuracyBefore,
                    Files.readString(dir.resolve(TrainerLogWriter.FILE_NAME))).isGreaterThan(0.9);
            assertThat(Files.readString(dir.resolve(TrainerLogWriter.FILE_NAME))).contains("rewards/accuracies");
            trainedRewards = rewards(model, train.subList(0, 4));
        }

        assertThat(dir.resolve("adapter_model.safetensors")).isRegularFile();
        try (SafetensorsReader head = SafetensorsReader.open(dir.resolve(RewardModel.VALUE_HEAD_FILE))) {
            assertThat(head.names()).containsExactly(RewardModel.WEIGHT, RewardModel.BIAS);
            assertThat(head.info(RewardModel.WEIGHT).shape()).containsExactly(1L, 64L);
            assertThat(head.info(RewardModel.BIAS).shape()).containsExactly(1L);
        }
        try (LlamaModel base = LlamaModel.load(modelDir, ModelOptions.training(FineTuning.none(), 1))) {
            PeftAdapter.load(base, dir, false);
            double[] reloaded = rewards(RewardModel.withSavedHead(base, dir), train.subList(0, 4));
            for (int i = 0; i < reloaded.length; i++) {
                assertThat(reloaded[i]).isCloseTo(trainedRewards[i], within(1e-4));
            }
        }
    }

    /** Prompt of random story tokens; chosen answer from ids 100-103, rejected from 200-203. */
    private static List<PreferencePair> toyPairs(int count, long seed) {
        Random random = new Random(seed);
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = new int[4 + random.nextInt(5)];
            prompt[0] = 1;
            for (int t = 1; t < prompt.length; t++) {
                prompt[t] = 300 + random.nextInt(200);
            }
            pairs.add(new PreferencePair(answered(prompt, 100, random), answered(prompt, 200, random)));
        }
        return pairs;
    }

    private static TokenizedSample answered(int[] prompt, int from, Random random) {
        int length = 2 + random.nextInt(3);
        int[] ids = java.util.Arrays.copyOf(prompt, prompt.length + length);
        int[] labels = new int[ids.length];
        java.util.Arrays.fill(labels, 0, prompt.length, TokenizedSample.IGNORE_INDEX);
        for (int t = prompt.length; t < ids.length; t++) {
            ids[t] = from + random.nextInt(4);
            labels[t] = ids[t];
        }
        return new TokenizedSample(ids, labels);
    }

    private static double accuracy(RewardModel model, List<PreferencePair> pairs) {
        double[] r = rewards(model, pairs);
        int n = pairs.size();
        int right = 0;
        for (int i = 0; i < n; i++) {
            right += r[i] > r[n + i] ? 1 : 0;
        }
        return (double) right / n;
    }

    /** Rewards of the chosen rows, then of the rejected rows. */
    private static double[] rewards(RewardModel model, List<PreferencePair> pairs) {
        try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
            float[] values = model.rewards(step, PreferenceBatch.collate(pairs, 0).rows(), false).toFloatArray();
            double[] out = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i];
            }
            return out;
        }
    }
}
