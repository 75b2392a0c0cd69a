package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.FileSystemArtifactStore;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.core.worker.WorkerRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Workers against real PostgreSQL with the simulated runner: completion, cancel, pause/resume, crash recovery. */
@SpringBootTest(classes = WorkerTestApplication.class, properties = {
        "tuneforge.queue.lease-duration=2s", "tuneforge.queue.reaper.interval=300ms",
        // one context for the worker tests; the webhook fault test needs loopback receivers and short backoff
        "tuneforge.webhooks.allowed-hosts=127.0.0.1", "tuneforge.webhooks.initial-backoff=100ms",
        "tuneforge.webhooks.max-backoff=400ms", "tuneforge.webhooks.poll-interval=50ms",
        "tuneforge.webhooks.connect-timeout=500ms"})
class QueueWorkerTest {

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    JobService jobs;
    @Autowired
    WorkerRegistry registry;
    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path artifactsDir;

    JobFixtures fixtures;
    TeamSetup team;
    final List<QueueWorker> workers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        team = fixtures.team(1, "/models/none");
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(QueueWorker::close);
    }

    @Test
    void idleWorkerRunsAQueuedJobToSuccessWithMetricsAndCheckpoints() {
        startWorker("w-complete");
        long job = fixtures.queuedJob(team, "j", 0, 1, "{\"max_steps\": 12, \"save_steps\": 5, \"step_millis\": 5}");
        notifyQueued(job);

        await(() -> fixtures.status(job).equals("succeeded"));

        assertThat(lossSteps(job)).containsExactlyElementsOf(IntStream.rangeClosed(1, 12).boxed().toList());
        assertThat(jdbc.queryForList("select step from checkpoints where job_id = ? order by step", Integer.class, job))
                .containsExactly(5, 10);
        assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "CHECKPOINT_SAVE", "CHECKPOINT_SAVE",
                "TRAINING_COMPLETE");
        assertThat(new FileSystemArtifactStore(artifactsDir).exists(ArtifactStore.checkpointKey(job, 10))).isTrue();
    }

    @Test
    void drainedWorkerFinishesItsJobThenLeavesTheNextOneQueued() throws Exception {
        QueueWorker worker = startWorker("w-drain");
        long first = fixtures.queuedJob(team, "first", 0, 1, "{\"max_steps\": 60, \"step_millis\": 20}");
        notifyQueued(first);
        await(() -> currentStep(first) >= 2);

        registry.setAvailability(worker.workerId(), Worker.Availability.DRAINING);
        await(() -> worker.availability() == Worker.Availability.DRAINING);
        long second = fixtures.queuedJob(team, "second", 0, 1, "{\"max_steps\": 3, \"step_millis\": 5}");
        notifyQueued(second);

        await(() -> fixtures.status(first).equals("succeeded"));
        notifyQueued(second);
        Thread.sleep(1_000);
        assertThat(fixtures.status(second)).isEqualTo("queued");
    }

    @Test
    void pausedWorkerStaysPausedAfterARestart() {
        String name = "w-paused-" + UUID.randomUUID().toString().substring(0, 6);
        QueueWorker before = testWorkers.start(TestWorkers.cpu(name, Duration.ofMillis(300), Duration.ofMillis(500), 1,
                Duration.ofSeconds(5)), new SimulatedTrainingRunner(), artifactsDir);
        registry.setAvailability(before.workerId(), Worker.Availability.PAUSED);
        before.close();

        QueueWorker after = testWorkers.start(TestWorkers.cpu(name, Duration.ofMillis(300), Duration.ofMillis(500), 1,
                Duration.ofSeconds(5)), new SimulatedTrainingRunner(), artifactsDir);
        workers.add(after);
        long job = fixtures.queuedJob(team, "waits", 0, 1, "{\"max_steps\": 3, \"step_millis\": 5}");
        notifyQueued(job);

        assertThat(after.workerId()).isEqualTo(before.workerId());
        assertThat(after.availability()).isEqualTo(Worker.Availability.PAUSED);
        registry.setAvailability(after.workerId(), Worker.Availability.ACTIVE);
        await(() -> fixtures.status(job).equals("succeeded"));
    }

    @Test
    void cancelDuringTrainingStopsTheRunner() {
        startWorker("w-cancel");
        long job = fixtures.queuedJob(team, "j", 0, 1, "{\"max_steps\": 100000, \"step_millis\": 5}");
        notifyQueued(job);
        await(() -> currentStep(job) >= 3);

        jobs.cancel(scope(), job);

        await(() -> fixtures.status(job).equals("cancelled"));
        assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "CANCEL_REQUESTED", "JOB_CANCELLED");
        assertThat(currentStep(job)).isLessThan(100000);
    }

    @Test
    void pausedJobSavesACheckpointAndResumesFromItWithoutGapsOrDuplicates() {
        startWorker("w-pause");
        long job = fixtures.queuedJob(team, "j", 0, 1, "{\"max_steps\": 40, \"save_steps\": 1000, \"step_millis\": 10}");
        notifyQueued(job);
        await(() -> currentStep(job) >= 5);

        jobs.pause(scope(), job);
        await(() -> fixtures.status(job).equals("paused"));
        int pausedAt = jdbc.queryForObject("select max(step) from checkpoints where job_id = ?", Integer.class, job);
        assertThat(pausedAt).isBetween(5, 39);
        assertThat(jdbc.queryForObject("select running_devices from teams where id = ?", Integer.class,
                team.teamId())).isZero();

        jobs.resume(scope(), job);
        await(() -> fixtures.status(job).equals("succeeded"));

        assertThat(lossSteps(job)).containsExactlyElementsOf(IntStream.rangeClosed(1, 40).boxed().toList());
        assertThat(fixtures.eventTypes(job)).containsSubsequence("PAUSE_REQUESTED", "CHECKPOINT_SAVE", "JOB_PAUSED",
                "JOB_RESUMED", "JOB_START", "MESSAGE", "TRAINING_COMPLETE");
    }

    @Test
    void jobOfAWorkerThatStopsHeartbeatingResumesOnAnotherFromItsCheckpoint() {
        QueueWorker first = startWorker("w-crash-a");
        long job = fixtures.queuedJob(team, "j", 0, 1, "{\"max_steps\": 150, \"save_steps\": 10, \"step_millis\": 30}");
        notifyQueued(job);
        await(() -> currentStep(job) >= 12);

        first.simulateCrash(); // heartbeats stop; its runner keeps going until a write finds the lease lost
        startWorker("w-crash-b");

        await(() -> fixtures.status(job).equals("succeeded"));
        assertThat(first.runningJobs()).isEmpty(); // the first runner noticed its lost lease and stopped
        assertThat(lossSteps(job)).containsExactlyElementsOf(IntStream.rangeClosed(1, 150).boxed().toList());
        assertThat(jdbc.queryForObject("select attempt from fine_tuning_jobs where id = ?", Integer.class, job))
                .as("a lost worker does not use up an attempt").isEqualTo(1);
        assertThat(jdbc.queryForObject("select infrastructure_retries from fine_tuning_jobs where id = ?",
                Integer.class, job)).as("one per lost lease (a loaded machine may lose the survivor's too)")
                .isPositive().isEqualTo((int) fixtures.eventTypes(job).stream().filter("WORKER_LOST"::equals).count());
        assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "WORKER_LOST", "JOB_RESTARTED",
                "JOB_START", "TRAINING_COMPLETE");
    }

    @Test
    void runnerOutOfMemoryFailsTheJobWithAdvice() {
        startWorker("w-oom");
        long job = fixtures.queuedJob(team, "j", 0, 1, "{\"fail_at_step\": 0}");
        notifyQueued(job);

        await(() -> fixtures.status(job).equals("failed"));
        assertThat(jdbc.queryForObject("select error_code from fine_tuning_jobs where id = ?", String.class, job))
                .isEqualTo("out_of_memory");
        assertThat(jdbc.queryForObject("select error_message from fine_tuning_jobs where id = ?", String.class, job))
                .contains("per_device_train_batch_size");
    }

    private QueueWorker startWorker(String name) {
        QueueWorker worker = testWorkers.start(TestWorkers.cpu(name + "-" + UUID.randomUUID().toString()
                .substring(0, 6), Duration.ofMillis(300), Duration.ofMillis(500), 1, Duration.ofSeconds(5)),
                new SimulatedTrainingRunner(), artifactsDir);
        workers.add(worker);
        return worker;
    }

    private void notifyQueued(long jobId) {
        jdbc.queryForList("select pg_notify('tuneforge_job_queued', ?)", Long.toString(jobId));
    }

    private Actor scope() {
        return team.as(Role.MEMBER);
    }

    private int currentStep(long jobId) {
        Integer step = jdbc.queryForObject("select coalesce(max(step), 0) from training_metrics where job_id = ?",
                Integer.class, jobId);
        return step == null ? 0 : step;
    }

    private List<Integer> lossSteps(long jobId) {
        return jdbc.queryForList("select step from training_metrics where job_id = ? and name = 'loss' order by step",
                Integer.class, jobId);
    }

    static void await(BooleanSupplier condition) {
        await(condition, Duration.ofSeconds(60));
    }

    /** Polls {@code condition} until it holds or {@code limit} has passed (a child JVM starts slowly on a busy host). */
    static void await(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Condition not reached within " + limit.toSeconds() + " s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
