package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.training.TrainerLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checkpoint resume equals an uninterrupted run for every training stage, through {@code train} on stories260K with
 * LoRA and LLaMA-Factory's demo data: a run of 4 steps is compared with a run stopped after 2 steps (its checkpoint
 * written) and continued to 4 from that checkpoint (automatic resume, {@code overwrite_output_dir: false}). The
 * learning rate is constant so both runs share one schedule; every step's loss and grad norm, and the stage's
 * metrics, agree.
 */
class StageResumeTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    @ParameterizedTest(name = "stage {0} on {1}")
    @CsvSource({
            "pt, c4_demo, ",
            "rm, dpo_en_demo, rewards/accuracies",
            "dpo, dpo_en_demo, rewards/margins",
            "kto, kto_en_demo, kl",
    })
    void aResumedRunRepeatsTheUninterruptedRun(String stage, String dataset, String metric) throws IOException {
        Path whole = dir.resolve("whole");
        Path parts = dir.resolve("parts");

        assertThat(train(stage, dataset, whole, 4, 0)).as(err.toString()).isZero();
        assertThat(train(stage, dataset, parts, 2, 2)).as(err.toString()).isZero();
        assertThat(parts.resolve("checkpoint-2")).isDirectory();
        assertThat(train(stage, dataset, parts, 4, 2)).as(err.toString()).isZero();

        List<JsonNode> expected = log(whole);
        List<JsonNode> actual = log(parts);
        assertThat(actual).hasSize(4).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).get("current_steps").asInt()).isEqualTo(i + 1);
            assertThat(actual.get(i).get("loss").asDouble()).as("%s loss of step %d", stage, i + 1)
                    .isCloseTo(expected.get(i).get("loss").asDouble(), within(1e-6));
            if (metric != null) {
                assertThat(actual.get(i).has(metric)).as("%s logs %s", stage, metric).isTrue();
                assertThat(actual.get(i).get(metric).asDouble()).as("%s %s of step %d", stage, metric, i + 1)
                        .isCloseTo(expected.get(i).get(metric).asDouble(), within(1e-6));
            }
        }
    }

    /**
     * Stage ppo: a reward model trained first (stage rm, 2 steps), then PPO against it on alpaca_en_demo's prompts
     * with score normalisation; the resumed run's rollouts are sampled as the uninterrupted run's (sampling seeded by
     * seed and step), and the KL coefficient and score moments carry over in the checkpoint.
     */
    @org.junit.jupiter.api.Test
    void aResumedPpoRunRepeatsTheUninterruptedRun() throws IOException {
        Path rewardModel = dir.resolve("rm");
        assertThat(train("rm", "dpo_en_demo", rewardModel, 2, 0)).as(err.toString()).isZero();
        String ppo = "reward_model: " + rewardModel + "\nppo_score_norm: true\nppo_epochs: 2\n";
        Path whole = dir.resolve("ppo-whole");
        Path parts = dir.resolve("ppo-parts");

        assertThat(train("ppo", "alpaca_en_demo", whole, 4, 0, ppo)).as(err.toString()).isZero();
        assertThat(train("ppo", "alpaca_en_demo", parts, 2, 2, ppo)).as(err.toString()).isZero();
        assertThat(parts.resolve("checkpoint-2").resolve("ppo_state.json")).isRegularFile();
        assertThat(train("ppo", "alpaca_en_demo", parts, 4, 2, ppo)).as(err.toString()).isZero();

        List<JsonNode> expected = log(whole);
        List<JsonNode> actual = log(parts);
        assertThat(actual).hasSize(4).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).get("current_steps").asInt()).isEqualTo(i + 1);
            for (String metric : List.of("loss", "ppo/mean_scores", "ppo/loss/policy", "ppo/loss/value", "kl",
                    "ppo/kl_coef")) {
                assertThat(actual.get(i).get(metric).asDouble()).as("ppo %s of step %d", metric, i + 1)
                        .isCloseTo(expected.get(i).get(metric).asDouble(), within(1e-6));
            }
        }
        assertThat(expected.get(3).get("ppo/mean_scores").asDouble())
                .as("the steps after the resume answered other prompts than the first").isNotEqualTo(
                        expected.get(1).get("ppo/mean_scores").asDouble());
    }

    private int train(String stage, String dataset, Path output, int steps, int saveSteps) throws IOException {
        return train(stage, dataset, output, steps, saveSteps, "");
    }

    private int train(String stage, String dataset, Path output, int steps, int saveSteps, String extra)
            throws IOException {
        Path yaml = Files.writeString(dir.resolve(stage + "-" + steps + ".yaml"), """
                model_name_or_path: %s
                stage: %s
                finetuning_type: lora
                lora_target: all
                dataset: %s
                dataset_dir: %s
                template: default
                cutoff_len: 64
                max_samples: 12
                per_device_train_batch_size: 2
                gradient_accumulation_steps: 2
                learning_rate: 1.0e-2
                lr_scheduler_type: constant
                max_steps: %d
                logging_steps: 1
                save_steps: %d
                eval_steps: 0
                overwrite_output_dir: false
                seed: 11
                output_dir: %s
                """.formatted(Fixtures.stories260K(), stage, dataset, Fixtures.path("datasets/llama_factory"), steps,
                saveSteps, output) + extra);
        CommandLine cli = TrainerCli.newCommandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        ((TrainCommand) cli.getSubcommands().get("train").getCommand()).console =
                new PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return cli.execute("train", "--config", yaml.toString());
    }

    private static List<JsonNode> log(Path output) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        return Files.readAllLines(output.resolve(TrainerLogWriter.FILE_NAME)).stream().map(json::readTree)
                .filter(line -> line.has("loss") && !line.get("loss").isNull()).toList();
    }
}
