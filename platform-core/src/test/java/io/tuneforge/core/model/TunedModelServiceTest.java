package io.tuneforge.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.model.TunedModelService.Promotion;
import io.tuneforge.core.model.TunedModelService.TunedResult;
import io.tuneforge.core.model.TunedModelService.TunedVersion;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Fine-tuned results as lineage rows, versions per name, promotion and rollback with history, per team. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class TunedModelServiceTest {

    @Autowired
    TunedModelService tuned;

    @Autowired
    JdbcTemplate jdbc;

    JobFixtures fixtures;
    TeamSetup team;
    Actor member;

    @BeforeEach
    void setUp() {
        fixtures = new JobFixtures(jdbc);
        team = fixtures.team(1, "/models/tiny");
        member = team.as(Role.MEMBER);
    }

    @Test
    void succeededJobsAreLineageRowsFromBaseModelThroughAdapterToMergedModel() {
        long succeeded = succeededJob("sft", ArtifactKind.ADAPTER, ArtifactKind.MERGED, ArtifactKind.PREDICTIONS);
        long failed = fixtures.queuedJob(team, "broken");
        jdbc.update("update fine_tuning_jobs set status = 'failed', finished_at = now() where id = ?", failed);
        long queued = fixtures.queuedJob(team, "waiting");

        List<TunedResult> results = tuned.results(member);

        assertThat(results).extracting(TunedResult::jobId).contains(succeeded).doesNotContain(failed, queued);
        TunedResult row = results.stream().filter(r -> r.jobId() == succeeded).findFirst().orElseThrow();
        assertThat(row.baseModel()).isEqualTo("model-" + team.suffix());
        assertThat(row.jobName()).isEqualTo("sft");
        assertThat(row.method()).isEqualTo("lora");
        assertThat(row.artifacts()).containsExactlyInAnyOrder(ArtifactKind.ADAPTER, ArtifactKind.MERGED);
        assertThat(row.finishedAt()).isPresent();
        assertThat(row.version()).isEmpty();
    }

    @Test
    void aJobContinuingAnotherJobsAdapterHasTheChainBaseSftDpoAsItsLineage() {
        long sft = succeededJob("sft-run", ArtifactKind.ADAPTER);
        long dpo = succeededJob("dpo-run", ArtifactKind.ADAPTER);
        jdbc.update("update fine_tuning_jobs set adapter_from_job_id = ?, config = '{\"stage\": \"dpo\"}'::jsonb "
                + "where id = ?", sft, dpo);

        assertThat(tuned.lineage(member, dpo)).containsExactly(new TunedModelService.LineageJob(sft, "sft-run", "sft"),
                new TunedModelService.LineageJob(dpo, "dpo-run", "dpo"));
        assertThat(tuned.lineage(member, sft)).containsExactly(new TunedModelService.LineageJob(sft, "sft-run", "sft"));
        TunedResult row = tuned.results(member).stream().filter(r -> r.jobId() == dpo).findFirst().orElseThrow();
        assertThat(row.chain()).extracting(TunedModelService.LineageJob::jobId).containsExactly(sft, dpo);
        Actor stranger = new JobFixtures(jdbc).team(1, "/models/tiny").as(Role.MEMBER);
        assertThat(tuned.lineage(stranger, dpo)).as("another team's jobs read as absent").isEmpty();
    }

    @Test
    void resultsNamedAlikeBecomeVersionsOneTwoThree() {
        long first = succeededJob("run-a", ArtifactKind.ADAPTER);
        long second = succeededJob("run-b", ArtifactKind.MERGED);
        long third = succeededJob("run-c", ArtifactKind.GGUF);

        assertThat(tuned.addVersion(member, first, " support-bot ").label()).isEqualTo("support-bot v1");
        assertThat(tuned.addVersion(member, second, "support-bot").label()).isEqualTo("support-bot v2");
        assertThat(tuned.addVersion(member, third, "other-bot").label()).isEqualTo("other-bot v1");

        assertThat(tuned.versions(member)).extracting(TunedVersion::label)
                .containsExactly("other-bot v1", "support-bot v2", "support-bot v1");
        assertThat(tuned.results(member)).filteredOn(r -> r.jobId() == second)
                .extracting(r -> r.version().orElseThrow()).containsExactly("support-bot v2");
    }

    @Test
    void onlyASucceededJobWithAModelArtifactCanBeAVersionAndOnlyOnce() {
        long versioned = succeededJob("done", ArtifactKind.ADAPTER);
        tuned.addVersion(member, versioned, "bot");
        long onlyPredictions = succeededJob("predictions-only", ArtifactKind.PREDICTIONS);
        long queued = fixtures.queuedJob(team, "still-queued");

        assertThatThrownBy(() -> tuned.addVersion(member, versioned, "bot"))
                .isInstanceOf(ModelException.class).hasMessageContaining("is already bot v1");
        assertThatThrownBy(() -> tuned.addVersion(member, onlyPredictions, "bot"))
                .isInstanceOf(ModelException.class).hasMessageContaining("no adapter, merged model or GGUF");
        assertThatThrownBy(() -> tuned.addVersion(member, queued, "bot"))
                .isInstanceOf(ModelException.class).hasMessageContaining("is queued");
        assertThatThrownBy(() -> tuned.addVersion(member, versioned, " "))
                .isInstanceOf(ModelException.class).hasMessageContaining("name of 1 to 200 characters");
    }

    @Test
    void promotionsRollBackToThePreviouslyPromotedVersionAndTheHistoryIsKept() {
        TunedVersion v1 = tuned.addVersion(member, succeededJob("a", ArtifactKind.ADAPTER), "bot");
        TunedVersion v2 = tuned.addVersion(member, succeededJob("b", ArtifactKind.ADAPTER), "bot");
        TunedVersion v3 = tuned.addVersion(member, succeededJob("c", ArtifactKind.ADAPTER), "bot");

        tuned.promote(member, v1.id());
        tuned.promote(member, v3.id());
        assertThat(tuned.promote(member, v2.id()).promoted()).isTrue();
        assertThat(promoted()).containsExactly("bot v2");

        assertThat(tuned.rollback(member, team.teamId(), "bot").label()).isEqualTo("bot v3");
        assertThat(promoted()).containsExactly("bot v3");
        assertThat(tuned.rollback(member, team.teamId(), "bot").label()).isEqualTo("bot v1");
        assertThatThrownBy(() -> tuned.rollback(member, team.teamId(), "bot"))
                .isInstanceOf(ModelException.class).hasMessageContaining("bot v1 is the only promoted version");
        assertThatThrownBy(() -> tuned.promote(member, v1.id()))
                .isInstanceOf(ModelException.class).hasMessageContaining("bot v1 is the promoted version already");

        List<Promotion> history = tuned.history(member, team.teamId(), "bot");
        assertThat(history).extracting(Promotion::version).containsExactly(2, 3, 1);
        assertThat(history).extracting(p -> p.rolledBackAt().isPresent()).containsExactly(true, true, false);
        assertThat(history.getFirst().rolledBackBy()).contains(member.username());
        assertThat(history.getFirst().promotedBy()).isEqualTo(member.username());
    }

    @Test
    void nothingPromotedHasNothingToRollBack() {
        tuned.addVersion(member, succeededJob("a", ArtifactKind.ADAPTER), "fresh");

        assertThatThrownBy(() -> tuned.rollback(member, team.teamId(), "fresh"))
                .isInstanceOf(ModelException.class).hasMessageContaining("No version of fresh is promoted");
    }

    @Test
    void anotherTeamNeitherSeesNorChangesTheModelsButAnAdministratorSeesThem() {
        long job = succeededJob("ours", ArtifactKind.MERGED);
        TunedVersion ours = tuned.addVersion(member, job, "ours");
        TeamSetup otherTeam = fixtures.team(1, "/models/tiny");
        Actor stranger = otherTeam.as(Role.MEMBER);

        assertThat(tuned.results(stranger)).extracting(TunedResult::jobId).doesNotContain(job);
        assertThat(tuned.versions(stranger)).extracting(TunedVersion::id).doesNotContain(ours.id());
        assertThatThrownBy(() -> tuned.promote(stranger, ours.id())).isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(() -> tuned.rollback(stranger, team.teamId(), "ours")).isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(() -> tuned.history(stranger, team.teamId(), "ours")).isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(() -> tuned.addVersion(stranger, job, "stolen"))
                .isInstanceOf(ModelException.class).hasMessageContaining("No job with id " + job);

        Actor admin = otherTeam.as(Role.ADMIN);
        assertThat(tuned.versions(admin)).extracting(TunedVersion::id).contains(ours.id());
        assertThat(tuned.results(admin)).extracting(TunedResult::jobId).contains(job);
    }

    @Test
    void aViewerMayLookButNotPromote() {
        TunedVersion version = tuned.addVersion(member, succeededJob("a", ArtifactKind.ADAPTER), "bot");
        Actor viewer = team.as(Role.VIEWER);

        assertThat(tuned.versions(viewer)).extracting(TunedVersion::id).contains(version.id());
        assertThatThrownBy(() -> tuned.promote(viewer, version.id())).isInstanceOf(AccessRefusedException.class);
    }

    private List<String> promoted() {
        return tuned.versions(member).stream().filter(TunedVersion::promoted).map(TunedVersion::label).toList();
    }

    /** A job of the team that succeeded and stored artifacts of the given kinds. */
    private long succeededJob(String name, ArtifactKind... kinds) {
        long id = fixtures.queuedJob(team, name);
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now() where id = ?", id);
        for (ArtifactKind kind : kinds) {
            jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes) values (?, ?, ?, 1)", id,
                    kind.name().toLowerCase(), "jobs/" + id + "/" + kind.name().toLowerCase());
        }
        return id;
    }
}
