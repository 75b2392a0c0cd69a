package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.event.ApplicationEvents;
import org.springframework.test.context.event.RecordApplicationEvents;

/**
 * The lifecycle users drive: place in queue, cancel, pause, resume, team isolation; every status change announced
 * exactly once.
 */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
@RecordApplicationEvents
class JobServiceTest {

    @Autowired
    JobService jobs;

    @Autowired
    JobSubmissionService submissions;

    @Autowired
    JobMonitorService monitor;

    @Autowired
    ApplicationEvents published;

    @Autowired
    JobQueue queue;

    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path modelDir;

    JobFixtures fixtures;
    TeamSetup team;
    Actor member;

    @BeforeEach
    void setUp() throws IOException {
        fixtures = new JobFixtures(jdbc);
        team = fixtures.quietQueueWithTeam(modelDir);
        member = team.as(Role.MEMBER);
    }

    @Test
    void anotherTeamsJobReadsAsAbsentButAnAdminSeesIt() {
        JobOverview job = submissions.submit(member, submission("mine", 0));
        TeamSetup other = fixtures.team(1, modelDir.toString());
        Actor stranger = other.as(Role.MEMBER);

        assertThatThrownBy(() -> monitor.get(stranger, job.id())).isInstanceOf(JobNotFoundException.class);
        assertThatThrownBy(() -> jobs.cancel(stranger, job.id())).isInstanceOf(JobNotFoundException.class);
        assertThat(monitor.list(stranger, 0, 50).getContent()).extracting(JobOverview::id).doesNotContain(job.id());
        assertThat(monitor.get(other.as(Role.ADMIN), job.id()).id()).isEqualTo(job.id());
    }

    @Test
    void cancellingAQueuedJobEndsItAtOnce() {
        JobOverview job = submissions.submit(member, submission("j", 0));

        JobOverview cancelled = jobs.cancel(member, job.id());

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.finishedAt()).isPresent();
        assertThatThrownBy(() -> jobs.cancel(member, job.id())).isInstanceOf(JobStateException.class)
                .hasMessageContaining("already cancelled");
    }

    @Test
    void cancellingARunningJobAsksItsWorkerThroughTheHeartbeat() {
        JobOverview job = submissions.submit(member, submission("j", 0));
        long worker = fixtures.worker("service-test-worker", 1L << 40);
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40, true)).orElseThrow();

        JobOverview asked = jobs.cancel(member, job.id());

        assertThat(asked.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(asked.requestedAction()).contains(RequestedAction.CANCEL);
        assertThat(queue.heartbeat(lease, 1, 10, 0)).isEqualTo(HeartbeatAnswer.CANCEL);
        queue.cancelled(lease);
        assertThat(monitor.get(member, job.id()).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void pausedJobResumesIntoTheQueue() {
        JobOverview job = submissions.submit(member, submission("j", 0));
        long worker = fixtures.worker("service-test-worker", 1L << 40);
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40, true)).orElseThrow();
        jobs.pause(member, job.id());
        assertThat(queue.heartbeat(lease, 5, 10, 0)).isEqualTo(HeartbeatAnswer.PAUSE);
        queue.paused(lease, 5);

        assertThat(monitor.get(member, job.id()).status()).isEqualTo(JobStatus.PAUSED);
        JobOverview resumed = jobs.resume(member, job.id());

        assertThat(resumed.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(fixtures.eventTypes(job.id())).containsSubsequence("JOB_START", "PAUSE_REQUESTED", "JOB_PAUSED",
                "JOB_RESUMED");
        assertThat(queue.claim(new WorkerCapacity(worker, 1, 1L << 40, true)).orElseThrow().jobId()).isEqualTo(job.id());
    }

    @Test
    void everyStatusChangeIsAnnouncedExactlyOnce() {
        JobOverview job = submissions.submit(member, submission("announced", 0));
        assertThat(announced()).containsExactly(JobStatus.QUEUED);

        jobs.pause(member, job.id());
        assertThat(announced()).containsExactly(JobStatus.PAUSED);

        jobs.resume(member, job.id());
        assertThat(announced()).containsExactly(JobStatus.QUEUED);

        long worker = fixtures.worker("service-test-worker", 1L << 40);
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40, true)).orElseThrow();
        assertThat(announced()).containsExactly(JobStatus.RUNNING);

        jobs.cancel(member, job.id());
        assertThat(announced()).as("a cancel request changes no status").isEmpty();

        queue.cancelled(lease);
        assertThat(announced()).containsExactly(JobStatus.CANCELLED);
    }

    @Test
    void aRefusedTransitionAnnouncesNothing() {
        JobOverview job = submissions.submit(member, submission("j", 0));
        jobs.cancel(member, job.id());
        published.clear();

        assertThatThrownBy(() -> jobs.resume(member, job.id())).isInstanceOf(JobStateException.class);
        assertThatThrownBy(() -> jobs.pause(member, job.id())).isInstanceOf(JobStateException.class);

        assertThat(announced()).isEmpty();
        assertThat(monitor.get(member, job.id()).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aViewerCannotCancel() {
        JobOverview job = submissions.submit(member, submission("j", 0));

        assertThatThrownBy(() -> jobs.cancel(team.as(Role.VIEWER), job.id()))
                .isInstanceOf(AccessRefusedException.class);
    }

    /** The statuses announced since the last call, in order. */
    private List<JobStatus> announced() {
        List<JobStatus> statuses = published.stream(JobStatusChanged.class).map(JobStatusChanged::status).toList();
        published.clear();
        return statuses;
    }

    private JobSubmission submission(String name, int priority) {
        return JobSubmission.of(name, team.modelId(), team.datasetVersionId(), FineTuningMethod.LORA,
                Map.of("per_device_train_batch_size", 2, "cutoff_len", 128, "lora_rank", 8)).withPriority(priority);
    }
}
