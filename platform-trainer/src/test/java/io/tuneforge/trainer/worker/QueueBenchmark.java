package io.tuneforge.trainer.worker;

import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.job.WorkerCapacity;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Queue benchmark (not part of the test suite; its name does not match the test pattern). Run:
 * {@code ./mvnw -o -pl platform-trainer -am test -Dtest=QueueBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Prints claims per second for 1-8 claiming workers and submit-to-running latency through NOTIFY.
 */
@SpringBootTest(classes = WorkerTestApplication.class, properties = {"tuneforge.queue.reaper.enabled=false",
        "spring.datasource.hikari.maximum-pool-size=20"})
class QueueBenchmark {

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    JobQueue queue;
    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path artifacts;

    @Test
    void claimsPerSecondAndSubmitToRunningLatency() throws Exception {
        JobFixtures fixtures = new JobFixtures(jdbc);
        System.out.println("BENCH database: " + TestDatabase.get().strategy() + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs");
        for (int workers : new int[] {1, 2, 4, 8}) {
            fixtures.clearQueue();
            List<TeamSetup> teams = List.of(fixtures.team(100, "/m"), fixtures.team(100, "/m"),
                    fixtures.team(100, "/m"));
            int jobs = 1500;
            jdbc.update("""
                    insert into fine_tuning_jobs (team_id, user_id, base_model_id, dataset_version_id, name, method,
                        config, status, priority, queued_at)
                    select t.team_id, t.user_id, t.model_id, t.version_id, 'bench-' || g, 'lora', '{}', 'queued',
                        g % 5, clock_timestamp()
                    from generate_series(1, ?) g
                    join (values (?::bigint, ?::bigint, ?::bigint, ?::bigint, 0), (?, ?, ?, ?, 1), (?, ?, ?, ?, 2)) as
                        t(team_id, user_id, model_id, version_id, k) on t.k = g % 3
                    """, jobs, teams.get(0).teamId(), teams.get(0).userId(), teams.get(0).modelId(),
                    teams.get(0).datasetVersionId(), teams.get(1).teamId(), teams.get(1).userId(),
                    teams.get(1).modelId(), teams.get(1).datasetVersionId(), teams.get(2).teamId(),
                    teams.get(2).userId(), teams.get(2).modelId(), teams.get(2).datasetVersionId());
            List<Long> ids = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                ids.add(fixtures.worker("bench-claimer-" + w, 1L << 40));
            }
            AtomicInteger done = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(workers);
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (long id : ids) {
                futures.add(pool.submit(() -> {
                    while (done.get() < jobs) {
                        Optional<Lease> lease = queue.claim(new WorkerCapacity(id, 1, 1L << 40, true));
                        if (lease.isPresent()) {
                            queue.succeed(lease.get(), 1);
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            System.out.printf("BENCH claim+complete cycles: workers=%d jobs=%d seconds=%.2f per_second=%.0f%n",
                    workers, jobs, seconds, jobs / seconds);
        }

        fixtures.clearQueue();
        TeamSetup team = fixtures.team(4, "/m");
        Map<Long, Long> startedAt = new ConcurrentHashMap<>();
        JobRunner recordStart = execution -> startedAt.put(execution.spec().jobId(), System.nanoTime());
        QueueWorker worker = testWorkers.start(TestWorkers.cpu("bench-latency", Duration.ofSeconds(1),
                Duration.ofSeconds(30), 50, Duration.ofSeconds(5)), recordStart, artifacts);
        Thread.sleep(1000);
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long submitted = System.nanoTime();
            long id = fixtures.queuedJob(team, "latency-" + i);
            jdbc.queryForList("select pg_notify('tuneforge_job_queued', ?)", Long.toString(id));
            while (!startedAt.containsKey(id)) {
                Thread.onSpinWait();
            }
            latencies.add((startedAt.get(id) - submitted) / 1e6);
            Thread.sleep(100); // the worker is idle again before the next submission
        }
        worker.close();
        latencies.sort(Double::compare);
        System.out.printf("BENCH submit-to-running (poll fallback 30 s, so this is NOTIFY): n=%d p50=%.1f ms "
                + "p99=%.1f ms max=%.1f ms%n", latencies.size(), latencies.get(latencies.size() / 2),
                latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1), latencies.getLast());
    }
}
