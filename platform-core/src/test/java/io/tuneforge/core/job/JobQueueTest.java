package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/** The queue's claim, lease and reaper statements against real PostgreSQL. */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class JobQueueTest {

    private static final long BIG = 1L << 40;

    @Autowired
    JobQueue queue;

    @Autowired
    JdbcTemplate jdbc;

    JobFixtures fixtures;
    long worker;

    @BeforeEach
    void emptyQueue() {
        fixtures = new JobFixtures(jdbc);
        fixtures.clearQueue();
        worker = fixtures.worker("queue-test-worker", BIG);
    }

    @Test
    void eightConcurrentWorkersRunFiveHundredJobsExactlyOnceWithinQuotas() throws Exception {
        List<TeamSetup> teams = List.of(fixtures.team(2, "/m"), fixtures.team(3, "/m"), fixtures.team(8, "/m"));
        Map<Long, Integer> quota = Map.of(teams.get(0).teamId(), 2, teams.get(1).teamId(), 3, teams.get(2).teamId(), 8);
        Map<Long, Long> teamOfJob = new ConcurrentHashMap<>();
        for (int i = 0; i < 500; i++) {
            TeamSetup t = teams.get(i % 3);
            teamOfJob.put(fixtures.queuedJob(t, "job-" + i, i % 7, 1, "{}"), t.teamId());
        }
        List<Long> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            workers.add(fixtures.worker("claimer-" + w, BIG));
        }
        Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
        Map<Long, AtomicInteger> maxRunning = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();

        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (long workerId : workers) {
            futures.add(pool.submit(() -> {
                while (done.get() < 500) {
                    Optional<Lease> claimed = queue.claim(new WorkerCapacity(workerId, 1, BIG, true));
                    if (claimed.isEmpty()) {
                        Thread.sleep(2);
                        continue;
                    }
                    Lease lease = claimed.get();
                    long team = teamOfJob.get(lease.jobId());
                    runs.computeIfAbsent(lease.jobId(), k -> new AtomicInteger()).incrementAndGet();
                    int now = jdbc.queryForObject("select count(*) from fine_tuning_jobs where team_id = ? "
                            + "and status = 'running'", Integer.class, team);
                    maxRunning.computeIfAbsent(team, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
                    assertThat(queue.succeed(lease, 1)).isTrue();
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();

        assertThat(runs).hasSize(500).allSatisfy((job, count) -> assertThat(count.get()).isEqualTo(1));
        assertThat(jdbc.queryForObject("select count(*) from fine_tuning_jobs where id = any(?) and status = "
                + "'succeeded'", Integer.class, (Object) teamOfJob.keySet().toArray(Long[]::new))).isEqualTo(500);
        maxRunning.forEach((team, max) -> assertThat(max.get()).isLessThanOrEqualTo(quota.get(team)));
        for (TeamSetup t : teams) {
            assertThat(runningDevices(t.teamId())).isZero();
        }
    }

    @Test
    void fairShareAlternatesBetweenTeamsBeforeAge() {
        TeamSetup early = fixtures.team(4, "/m");
        TeamSetup late = fixtures.team(4, "/m");
        for (int i = 0; i < 5; i++) {
            fixtures.queuedJob(early, "early-" + i);
        }
        for (int i = 0; i < 5; i++) {
            fixtures.queuedJob(late, "late-" + i);
        }

        List<Long> claimedTeams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Lease lease = queue.claim(new WorkerCapacity(worker, 4, BIG, true)).orElseThrow();
            claimedTeams.add(teamOf(lease.jobId()));
        }

        assertThat(claimedTeams).containsExactly(early.teamId(), late.teamId(), early.teamId(), late.teamId());
    }

    @Test
    void higherPriorityRunsFirstWithinATeam() {
        TeamSetup team = fixtures.team(10, "/m");
        long low = fixtures.queuedJob(team, "low", 0, 1, "{}");
        long high = fixtures.queuedJob(team, "high", 5, 1, "{}");
        long mid = fixtures.queuedJob(team, "mid", 1, 1, "{}");

        List<Long> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            order.add(queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow().jobId());
        }

        assertThat(order).containsExactly(high, mid, low);
    }

    @Test
    void teamQuotaHoldsUntilADeviceIsFreed() {
        TeamSetup team = fixtures.team(1, "/m");
        long first = fixtures.queuedJob(team, "first");
        long second = fixtures.queuedJob(team, "second");
        fixtures.queuedJob(team, "too big for the quota", 9, 2, "{}");

        Lease lease = queue.claim(new WorkerCapacity(worker, 4, BIG, true)).orElseThrow();
        assertThat(lease.jobId()).isEqualTo(first);
        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, true))).isEmpty();

        queue.succeed(lease, 10);
        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, true)).orElseThrow().jobId()).isEqualTo(second);
    }

    @Test
    void workerClaimsOnlyJobsItsDeviceMemoryCanHold() {
        TeamSetup team = fixtures.team(4, "/m");
        long job = fixtures.queuedJob(team, "needs 10 GB");
        jdbc.update("update fine_tuning_jobs set required_memory_bytes = ? where id = ?", 10L << 30, job);

        assertThat(queue.claim(new WorkerCapacity(worker, 1, 1L << 30, true))).isEmpty();
        assertThat(queue.claim(new WorkerCapacity(worker, 1, 16L << 30, true)).orElseThrow().jobId()).isEqualTo(job);
    }

    @Test
    void aBf16JobIsLeftToAWorkerWhoseFreeDevicesComputeBf16() {
        TeamSetup team = fixtures.team(4, "/m");
        long bf16 = fixtures.queuedJob(team, "bf16 first", 0, 1, "{\"bf16\": true}");
        long fp32 = fixtures.queuedJob(team, "fp32 second", 0, 1, "{\"bf16\": false}");

        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, false)).orElseThrow().jobId()).isEqualTo(fp32);
        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, false))).isEmpty();
        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, true)).orElseThrow().jobId()).isEqualTo(bf16);
    }

    @Test
    void aPureBf16JobIsLeftToAWorkerWhoseFreeDevicesComputeBf16() {
        TeamSetup team = fixtures.team(4, "/m");
        long pure = fixtures.queuedJob(team, "pure bf16", 0, 1, "{\"bf16\": false, \"pure_bf16\": true}");

        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, false))).isEmpty();
        assertThat(queue.claim(new WorkerCapacity(worker, 4, BIG, true)).orElseThrow().jobId()).isEqualTo(pure);
    }

    @Test
    void heartbeatStoresThePhaseItsCountAndTheWorkersEndEstimate() {
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "phases");
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();
        Instant ends = Instant.parse("2030-01-01T00:01:40Z");

        queue.heartbeat(lease, 10, 10, 1000, Optional.of(new PhaseProgress(JobPhase.PREDICTING, 12, 32,
                Optional.of(ends))));
        Map<String, Object> stored = phaseColumns(job);
        queue.heartbeat(lease, 10, 10, 1000); // a heartbeat without a phase keeps the stored one

        assertThat(stored).containsEntry("current_phase", "predicting").containsEntry("phase_done", 12L)
                .containsEntry("phase_total", 32L);
        assertThat(((java.sql.Timestamp) stored.get("phase_ends_at")).toInstant()).isEqualTo(ends);
        assertThat(phaseColumns(job)).isEqualTo(stored);

        queue.heartbeat(lease, 10, 10, 1000, Optional.of(new PhaseProgress(JobPhase.EXPORTING_GGUF, 0, 0,
                Optional.empty())));
        assertThat(phaseColumns(job)).containsEntry("current_phase", "exporting_gguf")
                .containsEntry("phase_done", 0L).containsEntry("phase_ends_at", null);
    }

    private Map<String, Object> phaseColumns(long job) {
        return jdbc.queryForMap("select current_phase, phase_done, phase_total, phase_ends_at from fine_tuning_jobs "
                + "where id = ?", job);
    }

    @Test
    void heartbeatAnswersRequestedCancelAndLostLease() {
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "j");
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();

        assertThat(queue.heartbeat(lease, 3, 10, 300)).isEqualTo(HeartbeatAnswer.CONTINUE);
        jdbc.update("update fine_tuning_jobs set requested_action = 'pause' where id = ?", job);
        assertThat(queue.heartbeat(lease, 4, 10, 400)).isEqualTo(HeartbeatAnswer.PAUSE);
        jdbc.update("update fine_tuning_jobs set requested_action = 'cancel' where id = ?", job);
        assertThat(queue.heartbeat(lease, 4, 10, 400)).isEqualTo(HeartbeatAnswer.CANCEL);

        Lease stale = new Lease(job, worker, lease.leaseVersion() - 1, 1);
        assertThat(queue.heartbeat(stale, 5, 10, 500)).isEqualTo(HeartbeatAnswer.LEASE_LOST);
        assertThat(queue.succeed(stale, 10)).isFalse();
        assertThat(queue.cancelled(lease)).isTrue();
        assertThat(fixtures.status(job)).isEqualTo("cancelled");
    }

    @Test
    void reaperRequeuesAJobWhoseWorkerDiedAndItsOldLeaseIsLost() {
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "j");
        Lease first = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();
        fixtures.expireLease(job);

        assertThat(queue.reapExpiredLeases()).isEqualTo(1);

        assertThat(fixtures.status(job)).isEqualTo("queued");
        assertThat(runningDevices(team.teamId())).isZero();
        assertThat(queue.heartbeat(first, 1, 1, 1)).isEqualTo(HeartbeatAnswer.LEASE_LOST);
        assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "WORKER_LOST", "JOB_RESTARTED");
        Lease second = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();
        assertThat(second.jobId()).isEqualTo(job);
        assertThat(second.attempt()).as("a lost worker gives its attempt back").isEqualTo(1);
        assertThat(infrastructureRetries(job)).isEqualTo(1);
    }

    @Test
    void aLostWorkerDoesNotUseUpTheJobsAttemptsButCountsAsAnInfrastructureRetryShownInItsEvents() {
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "j");
        fixtures.maxAttempts(job, 1);
        for (int loss = 1; loss <= 3; loss++) { // the default limit: tuneforge.queue.max-infrastructure-retries=3
            assertThat(queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow().attempt()).isEqualTo(1);
            fixtures.expireLease(job);
            queue.reapExpiredLeases();
            assertThat(fixtures.status(job)).as("after loss %d of a job allowed one attempt", loss).isEqualTo("queued");
            assertThat(infrastructureRetries(job)).isEqualTo(loss);
        }

        assertThat(jdbc.queryForList("select message from job_events where job_id = ? and type = 'JOB_RESTARTED' "
                + "order by id", String.class, job)).containsExactly(
                "Re-queued after losing its worker (infrastructure retry 1 of 3; it does not count against "
                        + "max_attempts); it resumes from its last checkpoint",
                "Re-queued after losing its worker (infrastructure retry 2 of 3; it does not count against "
                        + "max_attempts); it resumes from its last checkpoint",
                "Re-queued after losing its worker (infrastructure retry 3 of 3; it does not count against "
                        + "max_attempts); it resumes from its last checkpoint");
        assertThat(jdbc.queryForObject("select data->>'infrastructure_retries' from job_events where job_id = ? "
                + "and type = 'JOB_RESTARTED' order by id desc limit 1", String.class, job)).isEqualTo("3");
    }

    @Test
    void reaperFailsAJobWhoseWorkersAreLostMoreOftenThanTheInfrastructureRetryLimit() {
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "j");
        for (int loss = 1; loss <= 4; loss++) {
            queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();
            fixtures.expireLease(job);
            queue.reapExpiredLeases();
        }

        assertThat(fixtures.status(job)).isEqualTo("failed");
        assertThat(jdbc.queryForObject("select error_code from fine_tuning_jobs where id = ?", String.class, job))
                .isEqualTo("worker_lost");
        assertThat(jdbc.queryForObject("select error_message from fine_tuning_jobs where id = ?", String.class, job))
                .contains("stopped responding 4 times").contains("tuneforge.queue.max-infrastructure-retries");
        assertThat(infrastructureRetries(job)).isEqualTo(3);
    }

    private int infrastructureRetries(long job) {
        return jdbc.queryForObject("select infrastructure_retries from fine_tuning_jobs where id = ?", Integer.class,
                job);
    }

    @Test
    void metricsAreUpsertedSoReplayedStepsNeverDuplicate(@Autowired MetricsWriter metrics) {
        TeamSetup team = fixtures.team(1, "/m");
        long job = fixtures.queuedJob(team, "j");
        Lease lease = queue.claim(new WorkerCapacity(worker, 1, BIG, true)).orElseThrow();

        metrics.write(lease, List.of(new MetricPoint(1, "loss", 3.0), new MetricPoint(2, "loss", 2.5),
                new MetricPoint(3, "loss", 2.4)));
        metrics.truncateAfter(lease, 2);
        metrics.write(lease, List.of(new MetricPoint(2, "loss", 2.5), new MetricPoint(3, "loss", 2.3)));

        assertThat(jdbc.queryForList("select value from training_metrics where job_id = ? order by step",
                Double.class, job)).containsExactly(3.0, 2.5, 2.3);
        assertThat(metrics.write(new Lease(job, worker, lease.leaseVersion() + 1, 1),
                List.of(new MetricPoint(4, "loss", 1.0)))).isFalse();
    }

    private long teamOf(long jobId) {
        return jdbc.queryForObject("select team_id from fine_tuning_jobs where id = ?", Long.class, jobId);
    }

    private int runningDevices(long teamId) {
        return jdbc.queryForObject("select running_devices from teams where id = ?", Integer.class, teamId);
    }
}
