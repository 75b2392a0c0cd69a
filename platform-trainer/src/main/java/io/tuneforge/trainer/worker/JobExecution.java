package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.StoredObject;
import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobEvents;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.MetricsWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One run of a claimed job, as its {@link JobRunner} sees it: what to train, where to resume, which devices, and
 * the calls to report progress, metrics, checkpoints, artifacts and events. Thread-safe: the runner's thread
 * reports while the worker's heartbeat thread reads progress and delivers stop requests.
 */
public final class JobExecution {

    private final Lease lease;
    private final JobSpec spec;
    private final Optional<ResumePoint> resumeFrom;
    private final List<Integer> deviceIndexes;
    private final JobQueue queue;
    private final MetricsWriter metricsWriter;
    private final ArtifactStore artifacts;
    private final JobEvents events;
    private final int metricsBatchSize;

    private final List<MetricPoint> pendingMetrics = new ArrayList<>();
    private volatile JobStopReason stopReason;
    private volatile int currentStep;
    private volatile int totalSteps;
    private volatile long trainedTokens;

    JobExecution(Lease lease, JobSpec spec, Optional<ResumePoint> resumeFrom, List<Integer> deviceIndexes,
            JobQueue queue, MetricsWriter metricsWriter, ArtifactStore artifacts, JobEvents events,
            int metricsBatchSize) {
        this.lease = lease;
        this.spec = spec;
        this.resumeFrom = resumeFrom;
        this.deviceIndexes = List.copyOf(deviceIndexes);
        this.queue = queue;
        this.metricsWriter = metricsWriter;
        this.artifacts = artifacts;
        this.events = events;
        this.metricsBatchSize = metricsBatchSize;
        this.currentStep = resumeFrom.map(ResumePoint::step).orElse(0);
    }

    /** What to train. */
    public JobSpec spec() {
        return spec;
    }

    /** The lease this run holds. */
    public Lease lease() {
        return lease;
    }

    /** The checkpoint to continue from (after a pause or a lost worker); empty on a fresh start. */
    public Optional<ResumePoint> resumeFrom() {
        return resumeFrom;
    }

    /** Devices given to this job: -1 for the CPU, else CUDA ordinals. */
    public List<Integer> deviceIndexes() {
        return deviceIndexes;
    }

    /** Set when the job must stop before completing; poll it at every step. */
    public Optional<JobStopReason> stopRequested() {
        return Optional.ofNullable(stopReason);
    }

    /** Progress after an optimizer step; the next heartbeat stores it. */
    public void progress(int step, int totalSteps, long trainedTokens) {
        this.currentStep = step;
        this.totalSteps = totalSteps;
        this.trainedTokens = trainedTokens;
    }

    /** Records a metric point; points are written in batches (and before every checkpoint). */
    public void metric(int step, String name, double value) {
        boolean flush;
        synchronized (pendingMetrics) {
            pendingMetrics.add(new MetricPoint(step, name, value));
            flush = pendingMetrics.size() >= metricsBatchSize;
        }
        if (flush) {
            flushMetrics();
        }
    }

    /**
     * Saves a checkpoint after {@code step}: pending metrics are written first, then the folder is written
     * atomically to the artifact store and recorded. False when the lease was lost (the runner should stop).
     */
    public boolean checkpoint(int step, ArtifactStore.DirectoryWriter writer, Map<String, ?> metrics) {
        if (!flushMetrics()) {
            return false;
        }
        StoredObject stored = artifacts.writeDirectory(ArtifactStore.checkpointKey(spec.jobId(), step), writer);
        boolean held = queue.recordCheckpoint(lease, step, stored.key(), metrics);
        if (!held) {
            leaseLost();
        }
        return held;
    }

    /**
     * Fails the job with {@code disk_full} before a write of {@code bytes} that the artifact store has no room for
     * (when the store can tell its free space), instead of a half-written object and an I/O error.
     *
     * @param writing what is about to be written, for the failure message (no server path)
     */
    public void requireStoreSpace(String writing, long bytes) {
        java.util.OptionalLong free = artifacts.usableBytes();
        if (free.isPresent() && free.getAsLong() < bytes) {
            throw new JobFailureException(io.tuneforge.core.job.JobFailure.diskFull(writing,
                    java.util.OptionalLong.of(bytes), free), null);
        }
    }

    /** Stores a final artifact (adapter, merged model, predictions) as a folder. False when the lease was lost. */
    public boolean artifact(ArtifactKind kind, ArtifactStore.DirectoryWriter writer) {
        String key = ArtifactStore.artifactKey(spec.jobId(), kind.name().toLowerCase(java.util.Locale.ROOT));
        StoredObject stored = artifacts.writeDirectory(key, writer);
        boolean held = queue.recordArtifact(lease, kind, stored.key(), stored.sizeBytes(), stored.sha256());
        if (!held) {
            leaseLost();
        }
        return held;
    }

    /** An evaluation finished: its metrics are recorded and an {@code EVAL_COMPLETE} event written. */
    public void evaluation(int step, Map<String, Double> metrics) {
        metrics.forEach((name, value) -> metric(step, name, value));
        event(JobEventType.EVAL_COMPLETE, "Evaluation at step " + step + ": " + metrics, Map.of("step", step,
                "metrics", metrics));
    }

    /** Writes an informational event for the job (skipped once the lease is lost). */
    public void event(JobEventType type, String message, Map<String, ?> data) {
        if (stopReason != JobStopReason.LEASE_LOST) {
            events.info(spec.jobId(), type, message, data);
        }
    }

    /** Writes pending metrics under the lease; false when the lease was lost. */
    public boolean flushMetrics() {
        List<MetricPoint> batch;
        synchronized (pendingMetrics) {
            batch = List.copyOf(pendingMetrics);
            pendingMetrics.clear();
        }
        if (batch.isEmpty()) {
            return stopReason != JobStopReason.LEASE_LOST;
        }
        boolean held = metricsWriter.write(lease, batch);
        if (!held) {
            leaseLost();
        }
        return held;
    }

    int currentStep() {
        return currentStep;
    }

    int totalSteps() {
        return totalSteps;
    }

    long trainedTokens() {
        return trainedTokens;
    }

    /** Asks the runner to stop; a lost lease overrides any other reason. */
    void requestStop(JobStopReason reason) {
        if (stopReason == null || reason == JobStopReason.LEASE_LOST) {
            stopReason = reason;
        }
    }

    private void leaseLost() {
        stopReason = JobStopReason.LEASE_LOST;
    }
}
