package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** What a worker reads of the job it claimed: model, dataset mix with files and ratios, the checkpoint to resume. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class ClaimedJobsTest {

    private static final long BIG = 1L << 40;

    @Autowired
    ClaimedJobs claimedJobs;

    @Autowired
    JobQueue queue;

    @Autowired
    ArtifactStore store;

    @Autowired
    CheckpointRepository checkpoints;

    @Autowired
    PlatformHome home;

    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path outside;

    JobFixtures fixtures;
    TeamSetup team;
    long worker;

    @BeforeEach
    void oneTeamAndAnEmptyQueue() {
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        worker = fixtures.worker("claimed-jobs-test-worker", BIG);
        team = fixtures.team(4, "/models/tiny");
    }

    @Test
    void aClaimedJobCarriesItsMixWithFilesAndRatios() throws IOException {
        String primaryTrain = datasetFile(team.datasetVersionId(), "train", "primary-train.jsonl");
        datasetFile(team.datasetVersionId(), "validation", "primary-valid.jsonl");
        long chats = version("chats-" + team.suffix(), "sharegpt");
        Path absolute = Files.writeString(outside.resolve("chats.json"), "[]");
        datasetFileRow(chats, "train", absolute.toString());
        long gone = 999_999_999L;
        long job = fixtures.queuedJob(team, "mixed", 0, 1, """
                {"learning_rate": 0.0002, "dataset_mix": [
                  {"dataset_version_id": %d, "dataset": "data-%s", "ratio": 1.0},
                  {"dataset_version_id": %d, "dataset": "chats", "ratio": 0.5},
                  {"dataset_version_id": %d, "dataset": "deleted-data", "ratio": 2.0}]}
                """.formatted(team.datasetVersionId(), team.suffix(), chats, gone));

        ClaimedJob claimed = claimedJobs.read(claim(job)).orElseThrow();

        assertThat(claimed.jobId()).isEqualTo(job);
        assertThat(claimed.name()).isEqualTo("mixed");
        assertThat(claimed.method()).isEqualTo(FineTuningMethod.LORA);
        assertThat(claimed.configJson()).contains("learning_rate");
        assertThat(claimed.baseModelName()).isEqualTo("model-" + team.suffix());
        assertThat(claimed.baseModelPath()).isEqualTo(Path.of("/models/tiny"));
        assertThat(claimed.datasetVersionId()).isEqualTo(team.datasetVersionId());
        assertThat(claimed.devicesRequested()).isEqualTo(1);
        assertThat(claimed.attempt()).isEqualTo(1);
        assertThat(claimed.datasets()).hasSize(3);

        ClaimedDataset primary = claimed.datasets().get(0);
        assertThat(primary.versionId()).isEqualTo(team.datasetVersionId());
        assertThat(primary.name()).isEqualTo("data-" + team.suffix());
        assertThat(primary.format()).contains(DatasetFormat.ALPACA);
        assertThat(primary.trainFiles()).containsExactly(home.root().resolve(primaryTrain));
        assertThat(primary.validationFiles()).singleElement()
                .satisfies(p -> assertThat(p).isAbsolute().exists().hasFileName("primary-valid.jsonl"));
        assertThat(primary.ratio()).isEqualTo(1.0);

        ClaimedDataset second = claimed.datasets().get(1);
        assertThat(second.name()).isEqualTo("chats-" + team.suffix()); // the dataset's own name wins over the mix's
        assertThat(second.format()).contains(DatasetFormat.SHAREGPT);
        assertThat(second.trainFiles()).containsExactly(absolute); // an absolute storage path stays as it is
        assertThat(second.validationFiles()).isEmpty();
        assertThat(second.ratio()).isEqualTo(0.5);

        ClaimedDataset deleted = claimed.datasets().get(2);
        assertThat(deleted.versionId()).isEqualTo(gone);
        assertThat(deleted.name()).isEqualTo("deleted-data");
        assertThat(deleted.format()).isEmpty();
        assertThat(deleted.trainFiles()).isEmpty();
        assertThat(deleted.ratio()).isEqualTo(2.0);
    }

    @Test
    void aJobContinuingAnotherJobsAdapterCarriesThatAdaptersStoreKey() throws IOException {
        long sft = fixtures.queuedJob(team, "sft");
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now() where id = ?", sft);
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, 'adapter', ?, 1, "
                + "'00')", sft, "jobs/" + sft + "/adapter");
        long dpo = fixtures.queuedJob(team, "dpo");
        jdbc.update("update fine_tuning_jobs set adapter_from_job_id = ? where id = ?", sft, dpo);

        ClaimedJob claimed = claimedJobs.read(claim(dpo)).orElseThrow();

        assertThat(claimed.adapterKey()).contains("jobs/" + sft + "/adapter");
    }

    @Test
    void withoutADatasetMixTheJobTrainsOnItsPrimaryVersionAlone() throws IOException {
        String train = datasetFile(team.datasetVersionId(), "train", "train.jsonl");
        long job = fixtures.queuedJob(team, "plain");

        ClaimedJob claimed = claimedJobs.read(claim(job)).orElseThrow();

        assertThat(claimed.datasets()).singleElement().satisfies(d -> {
            assertThat(d.versionId()).isEqualTo(team.datasetVersionId());
            assertThat(d.name()).isEqualTo("data-" + team.suffix());
            assertThat(d.format()).contains(DatasetFormat.ALPACA);
            assertThat(d.trainFiles()).containsExactly(home.root().resolve(train));
            assertThat(d.ratio()).isEqualTo(1.0);
        });
    }

    @Test
    void aJobIsFinishedForTheWorkFolderSweepOnlyOnceItSucceededFailedOrWasCancelledOrIsGone() {
        long job = fixtures.queuedJob(team, "sweep");
        assertThat(claimedJobs.finishedAt(job)).as("queued").isEmpty();

        jdbc.update("update fine_tuning_jobs set status = 'paused' where id = ?", job);
        assertThat(claimedJobs.finishedAt(job)).as("paused: it may resume").isEmpty();

        java.sql.Timestamp finished = java.sql.Timestamp.from(java.time.Instant.parse("2026-01-02T03:04:05Z"));
        jdbc.update("update fine_tuning_jobs set status = 'failed', finished_at = ? where id = ?", finished, job);
        assertThat(claimedJobs.finishedAt(job)).hasValue(finished.toInstant());

        assertThat(claimedJobs.finishedAt(Long.MAX_VALUE)).as("no such job").hasValue(java.time.Instant.EPOCH);
    }

    @Test
    void aLeaseThatNoLongerHoldsTheJobReadsNothing() {
        long job = fixtures.queuedJob(team, "released");
        Lease lease = claim(job);
        queue.release(lease, "test");

        assertThat(claimedJobs.read(lease)).isEmpty();
    }

    @Test
    void lastCheckpointSkipsCheckpointsWhoseFilesAreGone() {
        long job = fixtures.queuedJob(team, "resumed");
        claim(job);
        for (int step : new int[] {10, 20, 30}) {
            String key = ArtifactStore.checkpointKey(job, step);
            store.writeDirectory(key, dir -> Files.writeString(dir.resolve("state.txt"), "step " + step));
            checkpoints.save(new Checkpoint(job, step, key, null));
        }
        store.delete(ArtifactStore.checkpointKey(job, 30));

        Optional<ClaimedCheckpoint> last = claimedJobs.lastCheckpoint(job);

        assertThat(last).hasValueSatisfying(c -> {
            assertThat(c.step()).isEqualTo(20);
            assertThat(c.storageKey()).isEqualTo(ArtifactStore.checkpointKey(job, 20));
            assertThat(c.directory().resolve("state.txt")).hasContent("step 20");
        });
    }

    @Test
    void aJobWithoutStoredCheckpointsStartsFromScratch() {
        long job = fixtures.queuedJob(team, "fresh");
        String key = ArtifactStore.checkpointKey(job, 5);
        checkpoints.save(new Checkpoint(job, 5, key, null)); // recorded, but its files never reached the store

        assertThat(claimedJobs.lastCheckpoint(job)).isEmpty();
    }

    private Lease claim(long job) {
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();
        assertThat(lease.jobId()).isEqualTo(job);
        return lease;
    }

    /** A new dataset of the team with one valid version in {@code format}. */
    private long version(String name, String format) {
        long dataset = jdbc.queryForObject("insert into datasets (team_id, name, created_by) values (?, ?, ?) "
                + "returning id", Long.class, team.teamId(), name, team.userId());
        return jdbc.queryForObject("insert into dataset_versions (dataset_id, version, format, status, row_count, "
                + "created_by) values (?, 1, ?, 'valid', 2, ?) returning id", Long.class, dataset, format,
                team.userId());
    }

    /** A small file under the home's dataset folder, stored with its path relative to the home; returns that path. */
    private String datasetFile(long version, String purpose, String fileName) throws IOException {
        String relative = "datasets/" + version + "/" + fileName;
        Path file = home.root().resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"instruction\": \"Say hi\", \"input\": \"\", \"output\": \"Hi\"}\n");
        datasetFileRow(version, purpose, relative);
        return relative;
    }

    private void datasetFileRow(long version, String purpose, String storagePath) {
        jdbc.update("insert into dataset_files (dataset_version_id, purpose, original_name, storage_path, size_bytes, "
                + "sha256) values (?, ?, ?, ?, 0, 'none')", version, purpose, Path.of(storagePath).getFileName()
                .toString(), storagePath);
    }
}
