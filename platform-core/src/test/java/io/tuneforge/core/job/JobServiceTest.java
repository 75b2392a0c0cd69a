package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
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

/** The lifecycle users drive: submit, place in queue, cancel, pause, resume, team isolation, pre-flight refusal. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class JobServiceTest {

    /** stories-sized Llama: h=64, 5 layers, vocab 512. */
    private static final String SMALL_CONFIG = """
            {"hidden_size": 64, "num_hidden_layers": 5, "intermediate_size": 172, "num_attention_heads": 8,
             "num_key_value_heads": 4, "vocab_size": 512, "tie_word_embeddings": true}
            """;

    @Autowired
    JobService jobs;

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
        Files.writeString(modelDir.resolve("config.json"), SMALL_CONFIG);
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        jdbc.update("update workers set status = 'offline'");
        team = fixtures.team(1, modelDir.toString());
        member = team.as(Role.MEMBER);
    }

    @Test
    void submittedJobWithValidDataJoinsTheQueueWithEventsAndAPlace() {
        JobSummary first = jobs.submit(member, submission("first", 0));
        JobSummary second = jobs.submit(member, submission("second", 0));

        assertThat(first.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(first.queuePosition()).contains(1);
        assertThat(second.queuePosition()).contains(2);
        assertThat(first.requiredMemoryBytes()).isPositive();
        assertThat(fixtures.eventTypes(first.id())).containsExactly("JOB_PENDING", "JOB_QUEUED");
    }

    @Test
    void anotherTeamsJobReadsAsAbsentButAnAdminSeesIt() {
        JobSummary job = jobs.submit(member, submission("mine", 0));
        TeamSetup other = fixtures.team(1, modelDir.toString());
        Actor stranger = other.as(Role.MEMBER);

        assertThatThrownBy(() -> jobs.get(stranger, job.id())).isInstanceOf(JobNotFoundException.class);
        assertThatThrownBy(() -> jobs.cancel(stranger, job.id())).isInstanceOf(JobNotFoundException.class);
        assertThat(jobs.list(stranger, 0, 50).getContent()).extracting(JobSummary::id).doesNotContain(job.id());
        assertThat(jobs.get(other.as(Role.ADMIN), job.id()).id()).isEqualTo(job.id());
    }

    @Test
    void cancellingAQueuedJobEndsItAtOnce() {
        JobSummary job = jobs.submit(member, submission("j", 0));

        JobSummary cancelled = jobs.cancel(member, job.id());

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.finishedAt()).isPresent();
        assertThatThrownBy(() -> jobs.cancel(member, job.id())).isInstanceOf(JobStateException.class)
                .hasMessageContaining("already cancelled");
    }

    @Test
    void cancellingARunningJobAsksItsWorkerThroughTheHeartbeat() {
        JobSummary job = jobs.submit(member, submission("j", 0));
        long worker = fixtures.worker("service-test-worker", 1L << 40);
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40)).orElseThrow();

        JobSummary asked = jobs.cancel(member, job.id());

        assertThat(asked.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(asked.requestedAction()).contains(RequestedAction.CANCEL);
        assertThat(queue.heartbeat(lease, 1, 10, 0)).isEqualTo(HeartbeatAnswer.CANCEL);
        queue.cancelled(lease);
        assertThat(jobs.get(member, job.id()).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void pausedJobResumesIntoTheQueue() {
        JobSummary job = jobs.submit(member, submission("j", 0));
        long worker = fixtures.worker("service-test-worker", 1L << 40);
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40)).orElseThrow();
        jobs.pause(member, job.id());
        assertThat(queue.heartbeat(lease, 5, 10, 0)).isEqualTo(HeartbeatAnswer.PAUSE);
        queue.paused(lease, 5);

        assertThat(jobs.get(member, job.id()).status()).isEqualTo(JobStatus.PAUSED);
        JobSummary resumed = jobs.resume(member, job.id());

        assertThat(resumed.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(fixtures.eventTypes(job.id())).containsSubsequence("JOB_START", "PAUSE_REQUESTED", "JOB_PAUSED",
                "JOB_RESUMED");
        assertThat(queue.claim(new WorkerCapacity(worker, 1, 1L << 40)).orElseThrow().jobId()).isEqualTo(job.id());
    }

    @Test
    void jobThatFitsNoRegisteredDeviceIsRefusedWithTheReason() {
        fixtures.worker("tiny-worker", 1L << 20);
        String huge = "{\"per_device_train_batch_size\": 64, \"cutoff_len\": 8192}";

        assertThatThrownBy(() -> jobs.submit(member, new JobSubmission("big", team.modelId(),
                team.datasetVersionId(), FineTuningMethod.FULL, huge, 0, 1, Optional.empty())))
                .isInstanceOf(JobRefusedException.class)
                .hasMessageContaining("largest registered device")
                .hasMessageContaining("cutoff_len");
    }

    @Test
    void invalidHyperparametersAreRefused() {
        assertThatThrownBy(() -> jobs.submit(member, new JobSubmission("bad", team.modelId(),
                team.datasetVersionId(), FineTuningMethod.LORA, "[1, 2]", 0, 1, Optional.empty())))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("JSON object");
    }

    private JobSubmission submission(String name, int priority) {
        return new JobSubmission(name, team.modelId(), team.datasetVersionId(), FineTuningMethod.LORA,
                "{\"per_device_train_batch_size\": 2, \"cutoff_len\": 128, \"lora_rank\": 8}", priority, 1,
                Optional.empty());
    }
}
