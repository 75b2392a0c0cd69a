package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Speeds a worker measured calibrate the estimates of later jobs on models of about the same size. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class PhaseSpeedRepositoryTest {

    @Autowired
    JobQueue queue;

    @Autowired
    PhaseSpeedRepository speeds;

    @Autowired
    JdbcTemplate jdbc;

    JobFixtures fixtures;
    long worker;

    @BeforeEach
    void clean() {
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        jdbc.update("delete from worker_phase_speeds");
        worker = fixtures.worker("speed-test-worker", 1L << 40);
    }

    @Test
    void theMedianOfTheLatestMeasurementsOnModelsOfAboutTheSameSizeCalibrates() {
        TeamSetup team = fixtures.team(1, "/m");
        fixtures.queuedJob(team, "measured");
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40, true)).orElseThrow();
        for (double tokensPerSecond : new double[] {100, 300, 200}) {
            queue.recordPhaseSpeed(lease, JobPhase.PREDICTING, 1_000_000, tokensPerSecond, "tokens");
        }
        queue.recordPhaseSpeed(lease, JobPhase.TRAINING, 1_000_000, 1500, "tokens");

        MeasuredSpeeds near = speeds.near(1_500_000);

        assertThat(near.predictionTokensPerSecond()).hasValue(200);
        assertThat(near.trainingTokensPerSecond()).hasValue(1500);
        assertThat(near.mergeParametersPerSecond()).isEmpty();
        assertThat(speeds.near(10_000_000).any()).as("a model ten times larger is not calibrated by it").isFalse();
    }

    @Test
    void aLostLeaseRecordsNothing() {
        TeamSetup team = fixtures.team(1, "/m");
        fixtures.queuedJob(team, "lost");
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, 1L << 40, true)).orElseThrow();
        Lease stale = new Lease(lease.jobId(), worker, lease.leaseVersion() - 1, 1);

        queue.recordPhaseSpeed(stale, JobPhase.MERGING, 1_000_000, 5e7, "parameters");

        assertThat(speeds.near(1_000_000).any()).isFalse();
    }
}
