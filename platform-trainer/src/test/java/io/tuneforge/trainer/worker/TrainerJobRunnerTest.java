package io.tuneforge.trainer.worker;

import static io.tuneforge.trainer.worker.QueueWorkerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.artifact.FileSystemArtifactStore;
import io.tuneforge.core.job.JobEvents;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.MetricsWriter;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.worker.DeviceSpec;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerRegistry;
import io.tuneforge.trainer.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** A queued LoRA job on the real stories260K model and LLaMA-Factory's alpaca demo, trained by a worker. */
@SpringBootTest(classes = WorkerTestApplication.class, properties = "tuneforge.queue.reaper.interval=1s")
class TrainerJobRunnerTest {

    @Autowired
    JobQueue queue;
    @Autowired
    WorkerRegistry registry;
    @Autowired
    MetricsWriter metrics;
    @Autowired
    JobEvents events;
    @Autowired
    DataSource dataSource;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    PlatformHome home;

    @TempDir
    Path artifacts;

    @Test
    void workerTrainsAQueuedLoraJobWithTheRealTrainer() {
        Path model = Fixtures.path("models/stories260K");
        Path data = Fixtures.path("datasets/llama_factory/alpaca_en_demo.json");
        JobFixtures fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, model.toString());
        jdbc.update("insert into dataset_files (dataset_version_id, purpose, original_name, storage_path, size_bytes, "
                + "sha256) values (?, 'source', 'alpaca_en_demo.json', ?, 1, 'x')", team.datasetVersionId(),
                data.toString());
        long job = fixtures.queuedJob(team, "stories lora", 0, 1, """
                {"template": "alpaca", "cutoff_len": 64, "max_steps": 6, "per_device_train_batch_size": 2,
                 "learning_rate": 0.001, "lora_rank": 4, "lora_target": "q_proj,v_proj", "logging_steps": 1,
                 "save_steps": 3, "eval_steps": 0, "max_samples": 40, "val_size": 4}""");

        QueueWorker worker = new QueueWorker(new WorkerSettings("trainer-worker", "test",
                List.of(new DeviceSpec(-1, WorkerDevice.Kind.CPU, "CPU", 1L << 40)), Duration.ofMillis(500),
                Duration.ofMillis(500), 10, Duration.ofSeconds(10)), new TrainerJobRunner(home), queue, registry,
                metrics, new FileSystemArtifactStore(artifacts), events, dataSource, jdbc, home);
        worker.start();
        try {
            await(() -> List.of("succeeded", "failed").contains(fixtures.status(job)));
        } finally {
            worker.close();
        }

        assertThat(jdbc.queryForList("select coalesce(error_message, '') from fine_tuning_jobs where id = ?",
                String.class, job)).containsExactly("");
        assertThat(fixtures.status(job)).isEqualTo("succeeded");
        assertThat(jdbc.queryForList("select step from training_metrics where job_id = ? and name = 'loss' "
                + "order by step", Integer.class, job))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 6).boxed().toList());
        assertThat(jdbc.queryForList("select step from checkpoints where job_id = ? order by step", Integer.class,
                job)).contains(3, 6);
        String adapter = jdbc.queryForObject("select storage_path from artifacts where job_id = ? and kind = 'adapter'",
                String.class, job);
        assertThat(Files.isRegularFile(artifacts.resolve(adapter).resolve("adapter_model.safetensors"))).isTrue();
        assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "MESSAGE", "CHECKPOINT_SAVE",
                "ARTIFACT_SAVED", "TRAINING_COMPLETE");
    }
}
