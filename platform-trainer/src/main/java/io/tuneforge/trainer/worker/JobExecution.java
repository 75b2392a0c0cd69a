package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.StoredObject;
import io.tuneforge.core.job.JobEventType;
import io.tuneforge.core.job.JobEvents;
import io.tuneforge.core.job.JobQueue;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.JobPhase;
import io.tuneforge.core.job.MetricsWriter;
import io.tuneforge.core.job.ModelDimensions;
import io.tuneforge.core.job.PhaseProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobExecution.class);

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
    private volatile PhaseProgress phase;
    /** When each phase began and how far it was then (a phase interrupted by another keeps its clock). */
    private final Map<JobPhase, PhaseClock> clocks = new EnumMap<>(JobPhase.class);
    private final Clock clock;

    JobExecution(Lease lease, JobSpec spec, Optional<ResumePoint> resumeFrom, List<Integer> deviceIndexes,
            JobQueue queue, MetricsWriter metricsWriter, ArtifactStore artifacts, JobEvents events,
            int metricsBatchSize) {
        this(lease, spec, resumeFrom, deviceIndexes, queue, metricsWriter, artifacts, events, metricsBatchSize,
                Clock.systemUTC());
    }

    JobExecution(Lease lease, JobSpec spec, Optional<ResumePoint> resumeFrom, List<Integer> deviceIndexes,
            JobQueue queue, MetricsWriter metricsWriter, ArtifactStore artifacts, JobEvents events,
            int metricsBatchSize, Clock clock) {
        this.clock = clock;
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

    /**
     * The LoRA adapter this job continues training (another succeeded job's, DD030), as a local folder; empty when it
     * trains a new adapter.
     */
    public Optional<java.nio.file.Path> adapterToContinue() {
        return spec.adapterKey().map(artifacts::localCopy);
    }

    /**
     * Stage ppo: the reward-model job's result folder (an adapter with its value head, or a complete model with it)
     * as a local copy, with the base model it was trained from (DD037); empty for other stages.
     */
    public Optional<RewardModelFiles> rewardModel() {
        return spec.rewardModel().map(r -> new RewardModelFiles(r.jobId(), r.name(), artifacts.localCopy(r.artifactKey()),
                r.baseModelPath(), r.adapter()));
    }

    /**
     * A reward model on this worker.
     *
     * @param jobId     the reward-model job
     * @param name      its name
     * @param folder    its result folder (local copy)
     * @param baseModel the base model it was trained from
     * @param adapter   true: {@code folder} is an adapter to apply to {@code baseModel}; false: a complete model
     */
    public record RewardModelFiles(long jobId, String name, java.nio.file.Path folder, java.nio.file.Path baseModel,
            boolean adapter) {
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

    /**
     * Where the job is now: {@code done} of {@code total} units of {@code phase} (the next heartbeat stores it). The
     * phase's end is estimated from its own pace since it began: (time so far / units so far) × units left. Training
     * keeps its clock across the evaluations that interrupt it; a phase whose count goes back (the next evaluation)
     * starts a new clock.
     */
    public void phase(JobPhase phase, long done, long total) {
        Instant now = clock.instant();
        PhaseClock started;
        synchronized (clocks) {
            started = clocks.get(phase);
            if (started == null || done < started.lastDone()) {
                started = new PhaseClock(now, done, done); // first report, or a new pass (the next evaluation)
            }
            clocks.put(phase, new PhaseClock(started.at(), started.doneAtStart(), done));
        }
        long progressed = done - started.doneAtStart();
        Optional<Instant> endsAt = Optional.empty();
        if (progressed > 0 && total >= done) {
            Duration perUnit = Duration.between(started.at(), now).dividedBy(progressed);
            endsAt = Optional.of(now.plus(perUnit.multipliedBy(total - done)));
        }
        this.phase = new PhaseProgress(phase, done, total, endsAt);
    }

    /**
     * Records the speed this worker ran {@code phase} at ({@code unitsPerSecond} of {@code unit}: tokens for training
     * and predictions, parameters for merging and GGUF export), so later pre-flight estimates are calibrated by it.
     * A speed that cannot be recorded (unreadable model config, database hiccup) is skipped: it never fails the job.
     */
    public void speed(JobPhase phase, double unitsPerSecond, String unit) {
        try {
            long parameters = ModelDimensions.read(spec.baseModelPath()).parameters();
            queue.recordPhaseSpeed(lease, phase, parameters, unitsPerSecond, unit);
        } catch (RuntimeException e) {
            LOG.warn("Job {}: the {} speed was not recorded: {}", spec.jobId(), phase.apiName(), e.getMessage());
        }
    }

    /** The model's parameter count (for speeds per parameter); 0 when its config cannot be read. */
    public long modelParameters() {
        try {
            return ModelDimensions.read(spec.baseModelPath()).parameters();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The phase last reported; empty before the first report. */
    public Optional<PhaseProgress> currentPhase() {
        return Optional.ofNullable(phase);
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

    /** When a phase (or its current pass) first reported, how many units it had done then, and at its last report. */
    private record PhaseClock(Instant at, long doneAtStart, long lastDone) {
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
