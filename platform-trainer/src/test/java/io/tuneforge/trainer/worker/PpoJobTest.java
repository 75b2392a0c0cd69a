package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.Role;
import io.tuneforge.trainer.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stage ppo through the platform (DD037): a reward-model job trained by a worker, a PPO job submitted naming it, and
 * the worker training the PPO job against that reward model, on stories260K and LLaMA-Factory's demo data.
 */
@SpringBootTest(classes = WorkerTestApplication.class, properties = "tuneforge.queue.reaper.interval=1s")
class PpoJobTest {

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    PlatformHome home;
    @Autowired
    JobSubmissionService submissions;

    @TempDir
    Path artifacts;

    @Test
    void aPpoJobSubmittedWithAFinishedRewardModelJobTrainsAndRecordsThePpoMetrics() throws Exception {
        JobFixtures fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        addFile(team.datasetVersionId(), Fixtures.path("datasets/llama_factory/alpaca_en_demo.json"));
        long pairs = preferenceVersion(team, Fixtures.path("datasets/llama_factory/dpo_en_demo.json"));
        long rm = fixtures.queuedJob(team, "stories reward model", 0, 1, """
                {"stage": "rm", "cutoff_len": 64, "max_steps": 2, "per_device_train_batch_size": 2,
                 "learning_rate": 0.001, "lora_rank": 4, "lora_target": "q_proj,v_proj", "logging_steps": 1,
                 "save_steps": 2, "eval_steps": 0, "max_samples": 6, "val_size": 2, "predict_samples": 0}""");
        jdbc.update("update fine_tuning_jobs set dataset_version_id = ? where id = ?", pairs, rm);
        run(fixtures, rm);

        Map<String, Object> ppo = new LinkedHashMap<>(Map.of("stage", "ppo", "reward_model", "stories reward model",
                "cutoff_len", 48, "max_steps", 2, "per_device_train_batch_size", 2, "learning_rate", 0.001,
                "lora_rank", 4, "lora_target", "q_proj,v_proj", "logging_steps", 1, "save_steps", 1));
        ppo.putAll(Map.of("ppo_epochs", 2, "max_samples", 8, "val_size", 2, "predict_samples", 0));
        JobOverview submitted = submissions.submit(team.as(Role.MEMBER), JobSubmission.of("stories ppo",
                team.modelId(), team.datasetVersionId(), FineTuningMethod.LORA, ppo));
        assertThat(JsonMapper.builder().build().readTree(submitted.configJson()).path("reward_model").asString())
                .as("the name is stored as the job's id").isEqualTo(Long.toString(rm));
        run(fixtures, submitted.id());

        for (int step : List.of(1, 2)) {
            assertThat(jdbc.queryForList("select distinct name from training_metrics where job_id = ? and step = ?",
                    String.class, submitted.id(), step)).as("step " + step).contains("loss", "ppo/mean_scores",
                    "ppo/loss/policy", "ppo/loss/value", "kl", "ppo/kl_coef");
        }
        assertThat(metric(submitted.id(), "kl", 1)).as("the new adapter starts as the reference").isZero();
        assertThat(metric(submitted.id(), "ppo/mean_scores", 1)).isFinite();
        assertThat(jdbc.queryForList("select message from job_events where job_id = ?", String.class,
                submitted.id())).anyMatch(m -> m.startsWith("Scoring answers with the reward model of job " + rm));
        assertThat(jdbc.queryForList("select step from checkpoints where job_id = ? order by step", Integer.class,
                submitted.id())).as("save_steps 1").containsExactly(1, 2);
        Path adapter = artifacts.resolve(jdbc.queryForObject("select storage_path from artifacts where job_id = ? "
                + "and kind = 'adapter'", String.class, submitted.id()));
        assertThat(adapter.resolve("adapter_model.safetensors")).isRegularFile();
        assertThat(adapter.resolve("value_head.safetensors")).as("the policy's value head").isRegularFile();
    }

    private double metric(long job, String name, int step) {
        return jdbc.queryForObject("select value from training_metrics where job_id = ? and name = ? and step = ?",
                Double.class, job, name, step);
    }

    /** A second dataset of the team: preference pairs from {@code file}. */
    private long preferenceVersion(TeamSetup team, Path file) {
        long dataset = jdbc.queryForObject("insert into datasets (team_id, name, created_by) values (?, ?, ?) "
                + "returning id", Long.class, team.teamId(), "pairs-" + team.suffix(), team.userId());
        long version = jdbc.queryForObject("insert into dataset_versions (dataset_id, version, format, status, "
                + "row_count, created_by) values (?, 1, 'preference', 'valid', 10, ?) returning id", Long.class,
                dataset, team.userId());
        addFile(version, file);
        return version;
    }

    private void addFile(long datasetVersionId, Path data) {
        jdbc.update("insert into dataset_files (dataset_version_id, purpose, original_name, storage_path, size_bytes, "
                + "sha256) values (?, 'source', ?, ?, 1, 'x')", datasetVersionId,
                data.getFileName().toString(), data.toString());
    }

    /** Runs a worker with the production runner until {@code job} succeeds. */
    private void run(JobFixtures fixtures, long job) throws InterruptedException {
        QueueWorker worker = testWorkers.start(TestWorkers.cpu("ppo-worker", Duration.ofMillis(500),
                Duration.ofMillis(500), 10, Duration.ofSeconds(10)), new TrainerJobRunner(home), artifacts);
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!List.of("succeeded", "failed").contains(fixtures.status(job))) {
                assertThat(System.nanoTime()).as("job %d still %s after 5 minutes", job, fixtures.status(job))
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
        } finally {
            worker.close();
        }
        assertThat(fixtures.status(job)).as(() -> "job error: " + jdbc.queryForObject(
                "select error_message from fine_tuning_jobs where id = ?", String.class, job))
                .isEqualTo("succeeded");
    }
}
