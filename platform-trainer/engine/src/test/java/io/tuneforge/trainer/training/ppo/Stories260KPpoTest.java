package io.tuneforge.trainer.training.ppo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.TrainerLogWriter;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingListeners;
import io.tuneforge.trainer.training.TrainingLog;
import io.tuneforge.trainer.training.TrainingResult;
import io.tuneforge.trainer.training.TrainingStatus;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.optim.SchedulerType;
import io.tuneforge.trainer.training.reward.RewardModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO on the pretrained TinyStories 260K model with a toy reward, the number of times the answer says one token
 * ({@value #REWARDED}, the full stop), given through the {@link RewardFunction} interface: over the run the mean score of the
 * last 5 of 20 steps is above that of the first 5 by more than half a full stop per answer, the KL to the reference is
 * logged every step, starts at 0 and stays bounded,
 * and the adapter and value head are written.
 */
class Stories260KPpoTest {

    private static final int REWARDED = 426;

    @TempDir
    Path dir;

    @Test
    void ppoRaisesTheMeanRewardWithABoundedKl() throws Exception {
        Path modelDir = Fixtures.stories260K();
        LoraConfig lora = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);
        List<TrainingLog> logs = new ArrayList<>();
        TrainingResult result;
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir);
             LlamaModel base = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(lora), 1))) {
            List<int[]> prompts = new ArrayList<>();
            for (String start : List.of("Once upon a time", "One day", "Lily wanted", "Tom and Sue", "The sun was",
                    "A little bird", "Max had a", "In the park")) {
                prompts.add(tokenizer.encodeWithBos(start));
            }
            RewardFunction fullStops = (queries, responses) -> responses.stream()
                    .mapToDouble(r -> java.util.Arrays.stream(r).filter(id -> id == REWARDED).count()).toArray();
            TrainingConfig config = TrainingConfig.builder(dir).learningRate(2e-3).perDeviceTrainBatchSize(8)
                    .gradientAccumulationSteps(1).maxSteps(20).lrSchedulerType(SchedulerType.CONSTANT)
                    .loggingSteps(1).saveSteps(0).evalSteps(0).seed(5).build();
            GenerationConfig sampling = new GenerationConfig(16, 1.0, 0, 1.0, 1.0, OptionalLong.empty(), List.of(),
                    true);
            PpoTrainer trainer = new PpoTrainer(config, PpoConfig.of(4, 1, 6.0, false, false).withInitKlCoef(0.05),
                    RewardModel.withNewHead(base, 3), tokenizer, fullStops, prompts, sampling);
            TrainingListener recorder = new TrainingListener() {
                @Override
                public void onLog(TrainingLog log) {
                    logs.add(log);
                }
            };
            result = trainer.train(TrainingListeners.of(recorder, new TrainerLogWriter(dir)), () -> false);
        }
        assertThat(result.status()).isEqualTo(TrainingStatus.COMPLETED);
        assertThat(logs).hasSize(20);
        double first = mean(logs.subList(0, 5));
        double last = mean(logs.subList(15, 20));
        StringBuilder curve = new StringBuilder();
        logs.forEach(l -> curve.append(String.format(java.util.Locale.ROOT, "%.2f/%.3f ",
                l.metrics().get(PpoTrainer.MEAN_SCORES), l.metrics().get(PpoTrainer.KL))));
        assertThat(last).as("mean score/kl per step: %s", curve).isGreaterThan(first + 0.5);
        // the new adapter starts as the identity (B = 0): the first rollouts' KL to the reference is exactly 0;
        // afterwards the penalty (coefficient 0.05) keeps the summed log-ratio of a 16-token answer under 40 nats
        // (2.5 per token; a learning rate of 1e-2 drives it past 100 and the reward does not rise)
        assertThat(logs.getFirst().metrics().get(PpoTrainer.KL)).isZero();
        for (TrainingLog log : logs) {
            assertThat(log.metrics()).containsKeys(PpoTrainer.MEAN_SCORES, PpoTrainer.LOSS_POLICY,
                    PpoTrainer.LOSS_VALUE, PpoTrainer.KL);
            assertThat(log.metrics().get(PpoTrainer.KL)).as("kl, curve %s", curve).isFinite().isBetween(-1.0, 40.0);
        }
        assertThat(dir.resolve("adapter_model.safetensors")).isRegularFile();
        assertThat(dir.resolve(RewardModel.VALUE_HEAD_FILE)).isRegularFile();
        assertThat(java.nio.file.Files.readString(dir.resolve(TrainerLogWriter.FILE_NAME))).contains("ppo/mean_scores");
    }

    private static double mean(List<TrainingLog> logs) {
        return logs.stream().mapToDouble(l -> l.metrics().get(PpoTrainer.MEAN_SCORES)).average().orElseThrow();
    }
}
