package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.Role;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Members read failures and events without the server's paths; administrators read them whole. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class ServerPathsTest {

    private static final String FAILURE = "The trainer failed unexpectedly: AccessDeniedException: "
            + "/var/lib/tuneforge/work/job-7/attempt-1/checkpoint-10. The worker log has the stack trace";

    @Autowired
    JobMonitorService monitor;
    @Autowired
    JobEvents events;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void pathsAreHiddenButUrlsStorageKeysAndPlainSlashesStay() {
        assertThat(ServerPaths.hide("cannot write /srv/tuneforge/artifacts/jobs/1/x.tmp: denied"))
                .isEqualTo("cannot write [server path]: denied");
        assertThat(ServerPaths.hide("C:\\TuneForge\\work\\job-1 is full")).isEqualTo("[server path] is full");
        assertThat(ServerPaths.hide("Cannot open /srv/x/model.safetensors.")).isEqualTo("Cannot open [server path].");
        assertThat(ServerPaths.hide("see https://tuneforge.dev/problems/x and jobs/42/checkpoints/step-00000010"))
                .isEqualTo("see https://tuneforge.dev/problems/x and jobs/42/checkpoints/step-00000010");
        assertThat(ServerPaths.hide("loss 0.5/0.4, lr 1e-4 / 2")).isEqualTo("loss 0.5/0.4, lr 1e-4 / 2");
        assertThat(ServerPaths.hide("{\"path\": \"/home/ai/.tuneforge/datasets/1/v1/a.jsonl\"}"))
                .isEqualTo("{\"path\": \"[server path]\"}");
    }

    @Test
    void aMembersViewOfAFailedJobAndItsEventsNamesNoServerPathAnAdministratorsDoes() {
        JobFixtures fixtures = new JobFixtures(jdbc);
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "fails");
        jdbc.update("update fine_tuning_jobs set status = 'failed', error_code = 'internal_error', error_message = ?, "
                + "finished_at = now() where id = ?", FAILURE, job);
        events.error(job, JobEventType.JOB_ERROR, FAILURE, Map.of("file", "/var/lib/tuneforge/work/job-7"));

        JobOverview asMember = monitor.get(team.as(Role.MEMBER), job);
        JobOverview asAdmin = monitor.get(team.as(Role.ADMIN), job);

        assertThat(asMember.errorMessage()).hasValue("The trainer failed unexpectedly: AccessDeniedException: "
                + "[server path]. The worker log has the stack trace");
        assertThat(asAdmin.errorMessage()).hasValue(FAILURE);
        assertThat(monitor.list(team.as(Role.MEMBER))).filteredOn(j -> j.id() == job).singleElement()
                .satisfies(j -> assertThat(j.errorMessage().orElseThrow()).doesNotContain("/var/lib"));
        JobMonitorService.EventLine memberEvent = monitor.events(team.as(Role.MEMBER), job, 0).getLast();
        assertThat(memberEvent.message()).doesNotContain("/var/lib").contains(ServerPaths.HIDDEN);
        assertThat(memberEvent.dataJson().orElseThrow()).doesNotContain("/var/lib");
        assertThat(monitor.events(team.as(Role.ADMIN), job, 0).getLast().message()).isEqualTo(FAILURE);
    }
}
