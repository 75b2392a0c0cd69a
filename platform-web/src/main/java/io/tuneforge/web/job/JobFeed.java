package io.tuneforge.web.job;

import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobMonitorService.EventLine;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.user.Actor;
import jakarta.annotation.PreDestroy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Watches the jobs that open job pages show: one background thread reads what is new for each subscribed job
 * (metrics, events, status) every {@code tuneforge.ui.job-feed-interval-ms} (500 ms: at most two pushes a second
 * per page, within a second of each logged step) and hands it to the subscriber, which pushes it with
 * {@code ui.access}. Workers may run in other processes, so the database is the source.
 */
@Component
public class JobFeed {

    private static final Logger log = LoggerFactory.getLogger(JobFeed.class);

    /** What changed for a job since the subscriber's last update. */
    public record JobUpdate(JobOverview job, List<MetricPoint> metrics, List<EventLine> events) {
    }

    /** A live subscription; close it on detach. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final JobMonitorService monitor;
    private final ScheduledExecutorService poller;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

    public JobFeed(JobMonitorService monitor, @Value("${tuneforge.ui.job-feed-interval-ms:500}") long intervalMs) {
        this.monitor = monitor;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "tuneforge-job-feed");
            thread.setDaemon(true);
            return thread;
        });
        poller.scheduleWithFixedDelay(this::pollAll, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Sends updates of a job to {@code listener} (on the feed's thread) from the given cursors on.
     *
     * @param lastMetricSteps per metric, the last step the subscriber has (absent: none)
     * @param lastEventId     the last event id the subscriber has (0: none)
     */
    public Subscription subscribe(Actor actor, long jobId, Map<String, Integer> lastMetricSteps, long lastEventId,
            Consumer<JobUpdate> listener) {
        Watch watch = new Watch(actor, jobId, new HashMap<>(lastMetricSteps), lastEventId, listener);
        watches.add(watch);
        return () -> watches.remove(watch);
    }

    /** Subscriptions open now (for tests and diagnostics). */
    public int subscriptionCount() {
        return watches.size();
    }

    /** Checks every watched job once (the scheduler calls this; tests may call it directly). */
    public void pollAll() {
        for (Watch watch : watches) {
            try {
                watch.poll(monitor);
            } catch (RuntimeException e) {
                log.warn("Job feed for job {} failed: {}", watch.jobId, e.getMessage());
            }
        }
    }

    @PreDestroy
    void stop() {
        poller.shutdownNow();
    }

    private static final class Watch {
        private final Actor actor;
        private final long jobId;
        private final Map<String, Integer> lastMetricSteps;
        private final Consumer<JobUpdate> listener;
        private long lastEventId;
        private JobOverview lastJob;

        Watch(Actor actor, long jobId, Map<String, Integer> lastMetricSteps, long lastEventId,
                Consumer<JobUpdate> listener) {
            this.actor = actor;
            this.jobId = jobId;
            this.lastMetricSteps = lastMetricSteps;
            this.lastEventId = lastEventId;
            this.listener = listener;
        }

        synchronized void poll(JobMonitorService monitor) {
            JobOverview job = monitor.get(actor, jobId);
            int from = lastMetricSteps.values().stream().mapToInt(Integer::intValue).min().orElse(0);
            List<MetricPoint> metrics = monitor.metrics(actor, jobId, from).stream()
                    .filter(p -> p.step() > lastMetricSteps.getOrDefault(p.name(), -1)).toList();
            List<EventLine> events = monitor.events(actor, jobId, lastEventId);
            boolean jobChanged = lastJob == null || !sameProgress(lastJob, job);
            if (metrics.isEmpty() && events.isEmpty() && !jobChanged) {
                return;
            }
            metrics.forEach(p -> lastMetricSteps.merge(p.name(), p.step(), Math::max));
            events.forEach(e -> lastEventId = Math.max(lastEventId, e.id()));
            lastJob = job;
            listener.accept(new JobUpdate(job, metrics, events));
        }

        private static boolean sameProgress(JobOverview a, JobOverview b) {
            // the phase too: after training the step count stands still while merging, predicting and exporting move
            return a.status() == b.status() && a.currentStep() == b.currentStep() && a.totalSteps() == b.totalSteps()
                    && a.placeInQueue().equals(b.placeInQueue()) && a.phase().equals(b.phase());
        }
    }
}
