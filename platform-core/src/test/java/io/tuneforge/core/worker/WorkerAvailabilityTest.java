package io.tuneforge.core.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.job.HeartbeatAnswer;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.job.WorkerCapacity;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** Pause and drain chosen by an administrator: stored, honoured by the claim, kept across restarts. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class WorkerAvailabilityTest {

    private static final long BIG = 1L << 40;
    private static final List<OfferedDevice> CPU = List.of(new OfferedDevice(-1, WorkerDevice.Kind.CPU, "CPU", BIG, true));

    @Autowired
    JobQueue queue;

    @Autowired
    WorkerRegistry registry;

    @Autowired
    JdbcTemplate jdbc;

    JobFixtures fixtures;
    TeamSetup team;

    @BeforeEach
    void emptyQueue() {
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        team = fixtures.team(4, "/m");
    }

    @Test
    void pausedWorkerClaimsNothing() {
        long worker = fixtures.worker("paused-worker", BIG);
        fixtures.queuedJob(team, "waiting");

        registry.setAvailability(worker, Worker.Availability.PAUSED);

        assertThat(queue.claim(new WorkerCapacity(worker, 1, BIG, true))).isEmpty();
        registry.setAvailability(worker, Worker.Availability.ACTIVE);
        assertThat(queue.claim(new WorkerCapacity(worker, 1, BIG, true))).isPresent();
    }

    @Test
    void drainingWorkerFinishesItsJobThenClaimsNothing() {
        long worker = fixtures.worker("draining-worker", BIG);
        fixtures.queuedJob(team, "first");
        fixtures.queuedJob(team, "second");
        Lease running = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();

        registry.setAvailability(worker, Worker.Availability.DRAINING);

        assertThat(queue.heartbeat(running, 1, 2, 10)).isEqualTo(HeartbeatAnswer.CONTINUE);
        assertThat(queue.succeed(running, 2)).isTrue();
        assertThat(queue.claim(new WorkerCapacity(worker, 1, BIG, true))).isEmpty();
        assertThat(jdbc.queryForObject("select count(*) from fine_tuning_jobs where team_id = ? and status = 'queued'",
                Integer.class, team.teamId())).isEqualTo(1);
    }

    @Test
    void availabilitySurvivesReRegistrationAndHeartbeats() {
        long worker = registry.register("restarting-worker", "host-a", CPU);
        registry.setAvailability(worker, Worker.Availability.PAUSED);
        registry.signOff(worker);

        long again = registry.register("restarting-worker", "host-b", CPU);

        assertThat(again).isEqualTo(worker);
        assertThat(registry.availability(again)).isEqualTo(Worker.Availability.PAUSED);
        assertThat(registry.heartbeat(again)).isEqualTo(Worker.Availability.PAUSED);
        assertThat(jdbc.queryForObject("select status from workers where id = ?", String.class, again))
                .isEqualTo("paused");
        fixtures.queuedJob(team, "waiting");
        assertThat(queue.claim(new WorkerCapacity(again, 1, BIG, true))).isEmpty();
    }
}
