package io.tuneforge.trainer.worker;

import static io.tuneforge.trainer.worker.QueueWorkerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A worker in its own JVM is killed with SIGKILL ({@code Process.destroyForcibly}, i.e. {@code kill -9}) in the middle
 * of a job: the reaper re-queues the job, a second worker resumes it from the last checkpoint, and the metric history
 * has every step exactly once.
 */
@SpringBootTest(classes = WorkerTestApplication.class, properties = {
        "tuneforge.queue.lease-duration=2s", "tuneforge.queue.reaper.interval=300ms",
        // one context for the worker tests; the webhook fault test needs loopback receivers and short backoff
        "tuneforge.webhooks.allowed-hosts=127.0.0.1", "tuneforge.webhooks.initial-backoff=100ms",
        "tuneforge.webhooks.max-backoff=400ms", "tuneforge.webhooks.poll-interval=50ms",
        "tuneforge.webhooks.connect-timeout=500ms"})
class WorkerProcessCrashTest {

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    JdbcTemplate jdbc;

    /** The killed worker's output, kept for diagnosis. */
    private static final Path LOG = Path.of("target", "worker-process-crash-test.log");

    @TempDir
    Path temp;

    @Test
    void jobOfAKilledWorkerProcessResumesFromItsCheckpointOnAnotherWorker() throws Exception {
        JobFixtures fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, "/models/none");
        Path artifacts = temp.resolve("artifacts");
        long job = fixtures.queuedJob(team, "crash", 0, 1,
                "{\"max_steps\": 60, \"save_steps\": 10, \"step_millis\": 100}");

        Process child = startWorkerProcess("killed-worker-" + team.suffix(), artifacts);
        QueueWorker survivor = null;
        try {
            // the child JVM starts Spring and its own test database first: slow on a loaded host
            await(() -> maxLossStep(job) >= 15 || !child.isAlive(), Duration.ofSeconds(180));
            assertThat(child.isAlive()).as("worker process log: %s", LOG.toAbsolutePath()).isTrue();
            long killedWorker = jdbc.queryForObject("select worker_id from fine_tuning_jobs where id = ?", Long.class,
                    job);

            child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no release, no last heartbeat

            survivor = testWorkers.start(TestWorkers.cpu("survivor-" + team.suffix(), Duration.ofMillis(300),
                    Duration.ofMillis(500), 1, Duration.ofSeconds(5)), new SimulatedTrainingRunner(), artifacts);
            await(() -> fixtures.status(job).equals("succeeded"));

            assertThat(jdbc.queryForList("select step from training_metrics where job_id = ? and name = 'loss' "
                    + "order by step", Integer.class, job))
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, 60).boxed().toList());
            assertThat(jdbc.queryForObject("select attempt from fine_tuning_jobs where id = ?", Integer.class, job))
                    .as("a killed worker does not use up one of the job's attempts").isEqualTo(1);
            assertThat(jdbc.queryForObject("select infrastructure_retries from fine_tuning_jobs where id = ?",
                Integer.class, job)).as("one per lost lease (a loaded machine may lose the survivor's too)")
                .isPositive().isEqualTo((int) fixtures.eventTypes(job).stream().filter("WORKER_LOST"::equals).count());
            assertThat(jdbc.queryForObject("select worker_id from fine_tuning_jobs where id = ?", Long.class, job))
                    .isEqualTo(survivor.workerId()).isNotEqualTo(killedWorker);
            assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "CHECKPOINT_SAVE", "WORKER_LOST",
                    "JOB_RESTARTED", "JOB_START", "MESSAGE", "TRAINING_COMPLETE");
            assertThat(jdbc.queryForList("select message from job_events where job_id = ? and type = 'MESSAGE'",
                    String.class, job)).anySatisfy(m -> assertThat(m).startsWith("Resuming from the checkpoint at step"));
        } finally {
            child.destroyForcibly();
            if (survivor != null) {
                survivor.close();
            }
        }
    }

    private Process startWorkerProcess(String name, Path artifacts) throws IOException {
        TestDatabase.Connection db = TestDatabase.get();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), SimulatedWorkerMain.class.getName(),
                db.jdbcUrl(), db.username(), db.password(), name, artifacts.toString())
                .redirectErrorStream(true)
                .redirectOutput(LOG.toFile());
        // core's test-database initializer also runs in the child: give it the parent's server, not a new one
        builder.environment().put("TUNEFORGE_TEST_DB_URL", db.jdbcUrl());
        builder.environment().put("TUNEFORGE_TEST_DB_USER", db.username());
        builder.environment().put("TUNEFORGE_TEST_DB_PASSWORD", db.password());
        return builder.start();
    }

    private int maxLossStep(long job) {
        return jdbc.queryForObject("select coalesce(max(step), 0) from training_metrics where job_id = ?",
                Integer.class, job);
    }
}
