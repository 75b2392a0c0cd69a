package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finished jobs' scratch folders are removed at once, or kept for the configured retention for debugging. */
class WorkFoldersTest {

    @TempDir
    Path work;

    /** When each job finished; absent = still queued, running or paused. */
    private final Map<Long, Instant> finished = new HashMap<>();

    @Test
    void withNoRetentionARunsFolderIsRemovedWhenTheRunEnds() throws Exception {
        WorkFolders folders = new WorkFolders(work, Duration.ZERO, this::finishedAt);
        Path run = folders.prepare(7, 1);
        Files.writeString(run.resolve("adapter_model.safetensors"), "weights");

        folders.runEnded(7, 1);

        assertThat(work.resolve("job-7")).doesNotExist();
    }

    @Test
    void withARetentionFinishedJobsFoldersStayUntilItHasPassed() throws Exception {
        WorkFolders folders = new WorkFolders(work, Duration.ofHours(24), this::finishedAt);
        Path failedRecently = folders.prepare(1, 1);
        Path failedLongAgo = folders.prepare(2, 1);
        Path paused = folders.prepare(3, 1);
        Path deletedJob = folders.prepare(4, 1);
        Instant now = Instant.now();
        finished.put(1L, now.minus(Duration.ofHours(2)));
        finished.put(2L, now.minus(Duration.ofHours(25)));
        finished.put(4L, Instant.EPOCH);

        folders.runEnded(1, 1);

        assertThat(failedRecently).as("kept for debugging within the retention").isDirectory();
        assertThat(work.resolve("job-2")).as("finished 25 h ago").doesNotExist();
        assertThat(paused).as("a paused job may resume").isDirectory();
        assertThat(work.resolve("job-4")).as("the job no longer exists").doesNotExist();
        assertThat(failedLongAgo).doesNotExist();
        assertThat(deletedJob).doesNotExist();

        assertThat(folders.sweep(now.plus(Duration.ofHours(23)))).isEqualTo(1);
        assertThat(work.resolve("job-1")).doesNotExist();
    }

    @Test
    void aRunStartsInAnEmptyFolderEvenWhenAKilledRunOfTheSameAttemptLeftFiles() throws Exception {
        WorkFolders folders = new WorkFolders(work, Duration.ofHours(1), this::finishedAt);
        Files.writeString(folders.prepare(5, 1).resolve("half-written.bin"), "x");

        Path again = folders.prepare(5, 1);

        try (var entries = Files.list(again)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void aNegativeRetentionIsRefusedWithTheSettingsName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WorkFolders(work, Duration.ofHours(-1),
                this::finishedAt)).hasMessageContaining("tuneforge.jobs.work-retention");
    }

    private Optional<Instant> finishedAt(long jobId) {
        return Optional.ofNullable(finished.get(jobId));
    }
}
