package io.tuneforge.core.job;

import io.tuneforge.core.worker.WorkerRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the reaper of expired leases (and marks silent workers offline) every few seconds in every process that
 * has core: web app and workers alike. Concurrent reapers are safe (rows are taken with {@code SKIP LOCKED}).
 * Off with {@code tuneforge.queue.reaper.enabled=false}.
 */
@Component
@ConditionalOnProperty(name = "tuneforge.queue.reaper.enabled", havingValue = "true", matchIfMissing = true)
class QueueMaintenance implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(QueueMaintenance.class);

    private final JobQueue queue;
    private final WorkerRegistry workers;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    QueueMaintenance(JobQueue queue, WorkerRegistry workers,
            @Value("${tuneforge.queue.reaper.interval:2s}") Duration interval) {
        this.queue = queue;
        this.workers = workers;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("queue-reaper")
                .factory());
        scheduler.scheduleWithFixedDelay(this::reap, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reap() {
        try {
            int reaped = queue.reapExpiredLeases();
            if (reaped > 0) {
                log.warn("Reaped {} job(s) whose worker stopped heartbeating", reaped);
            }
            workers.markSilentWorkersOffline(queue.leaseDuration().multipliedBy(2));
        } catch (RuntimeException e) {
            log.warn("Queue maintenance failed (will retry): {}", e.getMessage());
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
