package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.job.ClaimedJobs;
import io.tuneforge.core.job.HeartbeatAnswer;
import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobEvents;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.job.MetricsWriter;
import io.tuneforge.core.job.QueueListener;
import io.tuneforge.core.job.WorkerCapacity;
import io.tuneforge.core.worker.OfferedDevice;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.core.worker.WorkerRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue worker: registers its devices, claims jobs it can run (woken by {@code NOTIFY}, polling as a fallback),
 * runs each on its own thread through the {@link JobRunner}, heartbeats every lease (answers carry cancel and
 * pause requests), and reports the outcome under the lease. A job whose lease is lost is abandoned silently: the
 * reaper gave it to another worker.
 */
public final class QueueWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueWorker.class);

    private final WorkerSettings settings;
    private final JobRunner runner;
    private final JobQueue queue;
    private final WorkerRegistry registry;
    private final MetricsWriter metrics;
    private final ArtifactStore artifacts;
    private final JobEvents events;
    private final DataSource dataSource;
    private final ClaimedJobs claimedJobs;

    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final List<OfferedDevice> freeDevices;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean wakeRequested;

    private volatile boolean stopping;
    private volatile Worker.Availability availability = Worker.Availability.ACTIVE;
    private long workerId;
    private Thread claimLoop;
    private ScheduledExecutorService heartbeats;
    private QueueListener listener;

    private record Running(Lease lease, JobExecution execution, List<OfferedDevice> devices, Thread thread) {
    }

    public QueueWorker(WorkerSettings settings, JobRunner runner, JobQueue queue, WorkerRegistry registry,
            MetricsWriter metrics, ArtifactStore artifacts, JobEvents events, DataSource dataSource,
            ClaimedJobs claimedJobs) {
        this.settings = settings;
        this.runner = runner;
        this.queue = queue;
        this.registry = registry;
        this.metrics = metrics;
        this.artifacts = artifacts;
        this.events = events;
        this.dataSource = dataSource;
        this.claimedJobs = claimedJobs;
        this.freeDevices = new ArrayList<>(settings.devices());
    }

    /** Registers and starts claiming. */
    public synchronized void start() {
        workerId = registry.register(settings.name(), settings.host(), settings.devices());
        availability = registry.availability(workerId);
        log.info("Worker '{}' (id {}) online with {}, {}", settings.name(), workerId, settings.devices(),
                availability.name().toLowerCase(java.util.Locale.ROOT));
        heartbeats = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("worker-heartbeat").factory());
        long every = settings.heartbeatInterval().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeatAll, every, every, TimeUnit.MILLISECONDS);
        listener = QueueListener.start(dataSource, jobId -> wakeUp(), this::controlRequested, "worker-listen");
        claimLoop = Thread.ofPlatform().name("worker-claim").start(this::claimLoop);
    }

    /** This worker's id once started. */
    public long workerId() {
        return workerId;
    }

    /** What an administrator chose for this worker, as of its last heartbeat: draining or paused claim nothing. */
    public Worker.Availability availability() {
        return availability;
    }

    /** Jobs running here now. */
    public List<Long> runningJobs() {
        return List.copyOf(running.keySet());
    }

    private void claimLoop() {
        while (!stopping) {
            try {
                Optional<Lease> claimed = claimIfFree();
                if (claimed.isPresent()) {
                    continue; // there may be more work and more free devices
                }
                awaitWake();
            } catch (RuntimeException e) {
                log.warn("Claim failed ({}); retrying", e.getMessage());
                awaitWake();
            }
        }
    }

    private Optional<Lease> claimIfFree() {
        List<OfferedDevice> free;
        synchronized (freeDevices) {
            free = List.copyOf(freeDevices);
        }
        if (free.isEmpty() || stopping || availability != Worker.Availability.ACTIVE) {
            return Optional.empty();
        }
        long memory = free.stream().mapToLong(OfferedDevice::memoryBytes).min().orElse(0);
        boolean bf16 = free.stream().allMatch(OfferedDevice::bf16);
        Optional<Lease> lease = queue.claim(new WorkerCapacity(workerId, free.size(), memory, bf16));
        lease.ifPresent(this::launch);
        return lease;
    }

    private void launch(Lease lease) {
        Optional<JobSpec> read = claimedJobs.read(lease).map(JobSpec::of);
        if (read.isEmpty()) {
            log.warn("Job {} lost its lease before it started; another worker owns it now", lease.jobId());
            return;
        }
        JobSpec spec = read.get();
        List<OfferedDevice> devices;
        synchronized (freeDevices) {
            devices = new ArrayList<>(freeDevices.subList(0, spec.devicesRequested()));
            freeDevices.removeAll(devices);
        }
        Optional<ResumePoint> resume = claimedJobs.lastCheckpoint(lease.jobId(), artifacts).map(ResumePoint::of);
        resume.ifPresent(r -> metrics.truncateAfter(lease, r.step()));
        JobExecution execution = new JobExecution(lease, spec, resume,
                devices.stream().map(OfferedDevice::index).toList(), queue, metrics, artifacts, events,
                settings.metricsBatchSize());
        resume.ifPresent(r -> execution.event(JobEventType.MESSAGE, "Resuming from the checkpoint at step "
                + r.step(), Map.of("step", r.step(), "path", r.storageKey())));
        Thread thread = Thread.ofPlatform().name("job-" + lease.jobId()).unstarted(() -> execute(execution, devices));
        running.put(lease.jobId(), new Running(lease, execution, devices, thread));
        thread.start();
    }

    private void execute(JobExecution execution, List<OfferedDevice> devices) {
        Lease lease = execution.lease();
        try {
            runner.run(execution);
            execution.flushMetrics();
            report(execution);
        } catch (Throwable error) {
            if (execution.stopRequested().isPresent()) {
                log.info("Job {} stopped ({}) with {}", lease.jobId(), execution.stopRequested().get(),
                        error.toString());
                report(execution);
            } else {
                log.warn("Job {} failed", lease.jobId(), error);
                execution.flushMetrics();
                queue.fail(lease, FailureClassifier.classify(error));
            }
        } finally {
            running.remove(lease.jobId());
            synchronized (freeDevices) {
                freeDevices.addAll(devices);
            }
            wakeUp();
        }
    }

    private void report(JobExecution execution) {
        Lease lease = execution.lease();
        Optional<JobStopReason> stop = execution.stopRequested();
        if (stop.isEmpty()) {
            queue.succeed(lease, execution.currentStep());
            return;
        }
        switch (stop.get()) {
            case CANCEL -> queue.cancelled(lease);
            case PAUSE -> queue.paused(lease, execution.currentStep());
            case SHUTDOWN -> queue.release(lease, "worker " + settings.name() + " shut down");
            case LEASE_LOST -> log.warn("Job {} lost its lease; another worker owns it now", lease.jobId());
        }
    }

    private void heartbeatAll() {
        try {
            Worker.Availability now = registry.heartbeat(workerId);
            if (now != availability) {
                log.info("Worker '{}' is now {}", settings.name(), now.name().toLowerCase(java.util.Locale.ROOT));
                availability = now;
                if (now == Worker.Availability.ACTIVE) {
                    wakeUp();
                }
            }
            for (Running r : running.values()) {
                heartbeat(r);
            }
        } catch (RuntimeException e) {
            log.warn("Heartbeat failed ({}); the lease lasts {}", e.getMessage(), queue.leaseDuration());
        }
    }

    private void heartbeat(Running r) {
        JobExecution e = r.execution();
        e.flushMetrics();
        HeartbeatAnswer answer = queue.heartbeat(r.lease(), e.currentStep(), e.totalSteps(), e.trainedTokens(),
                e.currentPhase());
        switch (answer) {
            case CONTINUE -> { }
            case CANCEL -> e.requestStop(JobStopReason.CANCEL);
            case PAUSE -> e.requestStop(JobStopReason.PAUSE);
            case LEASE_LOST -> e.requestStop(JobStopReason.LEASE_LOST);
        }
    }

    private void controlRequested(long jobId) {
        Running r = running.get(jobId);
        if (r != null && heartbeats != null) {
            heartbeats.execute(() -> {
                try {
                    heartbeat(r);
                } catch (RuntimeException e) {
                    log.warn("Heartbeat for job {} failed: {}", jobId, e.getMessage());
                }
            });
        }
    }

    private void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void awaitWake() {
        lock.lock();
        try {
            if (!wakeRequested) {
                wake.await(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            }
            wakeRequested = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops cleanly: no new claims; running jobs are asked to checkpoint and stop, and go back to the queue;
     * after the grace period, jobs still running are released anyway (they resume from their last checkpoint).
     */
    @Override
    public synchronized void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        wakeUp();
        running.values().forEach(r -> r.execution().requestStop(JobStopReason.SHUTDOWN));
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        for (Running r : List.copyOf(running.values())) {
            try {
                r.thread().join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (r.thread().isAlive()) {
                queue.release(r.lease(), "worker " + settings.name() + " shut down before the job stopped");
                r.thread().interrupt();
            }
        }
        if (claimLoop != null) {
            try {
                claimLoop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (listener != null) {
            listener.close();
        }
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
        registry.signOff(workerId);
        log.info("Worker '{}' stopped", settings.name());
    }

    /**
     * Stops heartbeating and claiming at once, leaving runners and leases as they are: what a {@code kill -9}
     * looks like to the queue. Test support for crash recovery; never called in production.
     */
    void simulateCrash() {
        stopping = true;
        wakeUp();
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
        if (listener != null) {
            listener.close();
        }
    }
}
