package io.tuneforge.trainer.worker;

import static io.tuneforge.trainer.worker.QueueWorkerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A full disk fails the job as {@code disk_full} with the space needed and free, and its message (which every member of
 * the team reads) names no server path.
 */
@SpringBootTest(classes = WorkerTestApplication.class, properties = {
        "tuneforge.queue.lease-duration=2s", "tuneforge.queue.reaper.interval=300ms",
        // one context for the worker tests; the webhook fault test needs loopback receivers and short backoff
        "tuneforge.webhooks.allowed-hosts=127.0.0.1", "tuneforge.webhooks.initial-backoff=100ms",
        "tuneforge.webhooks.max-backoff=400ms", "tuneforge.webhooks.poll-interval=50ms",
        "tuneforge.webhooks.connect-timeout=500ms"})
class DiskFullTest {

    private static final String SERVER_PATH = "/srv/tuneforge/work/job-1/attempt-1/checkpoint-10/model.safetensors";

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path artifactsDir;

    JobFixtures fixtures;
    TeamSetup team;

    @BeforeEach
    void setUp() {
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        team = fixtures.team(1, "/models/none");
    }

    @Test
    void aCheckpointLargerThanTheStoresFreeSpaceFailsBeforeWritingWithNeededAndFreeSpace() {
        long needed = Long.MAX_VALUE / 4; // more than any disk has free
        String message = runToFailure(execution -> execution.requireStoreSpace("the checkpoint at step 10", needed));

        assertThat(message).startsWith("The disk ran out of space while writing the checkpoint at step 10 (needs about "
                + "2305843009.2 GB, ").contains(" free)").doesNotContain("free space unknown")
                .doesNotContain(artifactsDir.toString());
    }

    @Test
    void noSpaceLeftOnDeviceFromAnyWriteFailsAsDiskFullWithoutTheServerPath() {
        String message = runToFailure(execution -> {
            throw new UncheckedIOException(new FileSystemException(SERVER_PATH, null, "No space left on device"));
        });

        assertThat(message).startsWith("The disk ran out of space while writing the job's files")
                .doesNotContain("/srv").doesNotContain("internal");
    }

    @Test
    void aFullDiskIsToldFromOtherInputOutputFailures() {
        assertThat(DiskSpace.isFull(new FileSystemException(SERVER_PATH, null, "No space left on device"))).isTrue();
        assertThat(DiskSpace.isFull(new RuntimeException("save failed", new IOException("No space left on device"))))
                .isTrue();
        assertThat(DiskSpace.isFull(new IOException("write error: Disk quota exceeded"))).isTrue();
        assertThat(DiskSpace.isFull(new FileSystemException(SERVER_PATH, null, "Permission denied"))).isFalse();
        assertThat(DiskSpace.isFull(new IOException("Connection reset"))).isFalse();
    }

    /** Runs one job through a worker with {@code runner}; returns its failure message after checking the code. */
    private String runToFailure(JobRunner runner) {
        QueueWorker worker = testWorkers.start(TestWorkers.cpu("w-disk-" + UUID.randomUUID().toString().substring(0, 6),
                Duration.ofMillis(300), Duration.ofMillis(300), 1, Duration.ofSeconds(5)), runner, artifactsDir);
        try {
            long job = fixtures.queuedJob(team, "full-disk", 0, 1, "{}");
            jdbc.queryForList("select pg_notify('tuneforge_job_queued', ?)", Long.toString(job));
            await(() -> fixtures.status(job).equals("failed"));
            assertThat(jdbc.queryForObject("select error_code from fine_tuning_jobs where id = ?", String.class, job))
                    .isEqualTo("disk_full");
            return jdbc.queryForObject("select error_message from fine_tuning_jobs where id = ?", String.class, job);
        } finally {
            worker.close();
        }
    }
}
