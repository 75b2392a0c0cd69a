package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.StoredObject;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** What the playground may offer: a team's succeeded jobs whose adapter or merged model is stored. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class TunedModelsTest {

    @Autowired
    JobMonitorService monitor;

    @Autowired
    ArtifactStore store;

    @Autowired
    ArtifactRepository artifacts;

    @Autowired
    JdbcTemplate jdbc;

    JobFixtures fixtures;
    TeamSetup team;
    Actor member;

    @BeforeEach
    void setUp() {
        fixtures = new JobFixtures(jdbc);
        team = fixtures.team(1, "/models/base-" + System.nanoTime());
        member = team.as(Role.MEMBER);
    }

    @Test
    void aSucceededJobWithAStoredAdapterIsATunedModelWithItsBaseAndTemplate() {
        long job = fixtures.queuedJob(team, "with-adapter", 0, 1, "{\"template\": \"llama3\", \"lora_rank\": 8}");
        store(job, ArtifactKind.MERGED);
        StoredObject adapter = store(job, ArtifactKind.ADAPTER);
        succeed(job);

        TunedModel tuned = monitor.tunedModel(member, job);

        assertThat(tuned.kind()).as("the adapter is preferred: its base may be loaded already")
                .isEqualTo(ArtifactKind.ADAPTER);
        assertThat(tuned.path()).isEqualTo(store.localCopy(adapter.key()));
        assertThat(tuned.baseModelId()).isEqualTo(team.modelId());
        assertThat(tuned.baseModelPath().toString()).startsWith("/models/base-");
        assertThat(tuned.template()).contains("llama3");
        assertThat(monitor.tunedModels(member)).extracting(TunedModel::jobId).contains(job);
    }

    @Test
    void aMergedModelServesWhenThereIsNoAdapter() {
        long job = fixtures.queuedJob(team, "merged-only", 0, 1, "{}");
        store(job, ArtifactKind.MERGED);
        succeed(job);

        TunedModel tuned = monitor.tunedModel(member, job);

        assertThat(tuned.kind()).isEqualTo(ArtifactKind.MERGED);
        assertThat(tuned.template()).isEmpty();
    }

    @Test
    void unfinishedJobsAndJobsWithoutAStoredResultAreNotOffered() {
        long queued = fixtures.queuedJob(team, "still-queued");
        store(queued, ArtifactKind.ADAPTER);
        long gone = fixtures.queuedJob(team, "result-deleted");
        store(gone, ArtifactKind.ADAPTER);
        store.delete(ArtifactStore.artifactKey(gone, "adapter"));
        succeed(gone);
        long onlyLog = fixtures.queuedJob(team, "only-a-log");
        store(onlyLog, ArtifactKind.LOG);
        succeed(onlyLog);

        assertThat(monitor.tunedModels(member)).extracting(TunedModel::jobId).doesNotContain(queued, gone, onlyLog);
        assertThatThrownBy(() -> monitor.tunedModel(member, queued)).isInstanceOf(JobLaunchException.class)
                .hasMessageContaining("only a succeeded job");
        assertThatThrownBy(() -> monitor.tunedModel(member, gone)).isInstanceOf(JobLaunchException.class)
                .hasMessageContaining("no stored adapter or merged model");
    }

    @Test
    void anotherTeamsTunedModelIsNeitherListedNorGivenButAnAdminSeesIt() {
        long job = fixtures.queuedJob(team, "private", 0, 1, "{}");
        store(job, ArtifactKind.ADAPTER);
        succeed(job);
        TeamSetup other = fixtures.team(1, "/models/other");
        Actor stranger = other.as(Role.MEMBER);
        Actor admin = other.as(Role.ADMIN);

        assertThat(monitor.tunedModels(stranger)).extracting(TunedModel::jobId).doesNotContain(job);
        assertThatThrownBy(() -> monitor.tunedModel(stranger, job)).isInstanceOf(AccessRefusedException.class);
        assertThat(monitor.tunedModels(admin)).extracting(TunedModel::jobId).contains(job);
    }

    private StoredObject store(long jobId, ArtifactKind kind) {
        String name = kind.name().toLowerCase();
        StoredObject stored = store.writeDirectory(ArtifactStore.artifactKey(jobId, name),
                dir -> Files.writeString(dir.resolve("config.json"), "{}"));
        artifacts.save(new Artifact(jobId, kind, stored.key(), stored.sizeBytes(), stored.sha256()));
        return stored;
    }

    private void succeed(long jobId) {
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now() where id = ?", jobId);
    }
}
