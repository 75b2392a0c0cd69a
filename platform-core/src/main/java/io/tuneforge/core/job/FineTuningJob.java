package io.tuneforge.core.job;

import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.model.BaseModel;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.worker.Worker;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A fine-tuning job: what to train (model, data, configuration), and where it is in the queue and lifecycle.
 *
 * <p><b>Status changes.</b> Services change a job's status only through this entity's methods ({@link #cancel},
 * {@link #pause}, {@link #resume}; a new job starts {@code queued}). Each goes through one transition check
 * ({@link JobStatus#canBecome}) and records a {@link JobStatusChanged}; the service then hands the job to
 * {@link JobEvents#announce}, the one place that publishes {@code JobStatusChanged} (and wakes workers when a job
 * is queued). The queue's claim, completion, release and reaper ({@link JobQueue}) are single lease-guarded SQL
 * statements on purpose (DD007): they keep their statements and announce their changes through the same
 * {@link JobEvents#statusChanged(JobStatusChanged)}. No other code writes {@code status} or publishes the event.
 *
 * <p>Updates write only the columns that changed ({@link DynamicUpdate}): workers write progress to the same row
 * with their own statements.
 */
@Entity
@Table(name = "fine_tuning_jobs")
@DynamicUpdate
public class FineTuningJob {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "team_id", nullable = false)
    private Team team;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "user_id", nullable = false)
    private AppUser owner;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "base_model_id", nullable = false)
    private BaseModel baseModel;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "dataset_version_id", nullable = false)
    private DatasetVersion datasetVersion;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(nullable = false, length = 10)
    private FineTuningMethod method;

    /** The succeeded job whose LoRA adapter this job continues training (DD030); null: a new adapter. */
    @Column(name = "adapter_from_job_id")
    private Long adapterFromJobId;

    /** The training configuration as JSON with LLaMA-Factory-compatible keys. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    private String config;

    @Column(nullable = false, length = 20)
    private JobStatus status;

    /** Higher runs first. */
    @Column(nullable = false)
    private int priority;

    @Column(name = "sweep_group", length = 64)
    private String sweepGroup;

    @Column(name = "devices_requested", nullable = false)
    private int devicesRequested = 1;

    @Column(nullable = false)
    private int attempt;

    @Column(name = "max_attempts", nullable = false)
    private int maxAttempts = 3;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "worker_id")
    private Worker worker;

    /** Bumped by every claim; a worker's heartbeat and completion must present it. */
    @Column(name = "lease_version", nullable = false)
    private long leaseVersion;

    @Column(name = "lease_expires_at")
    private Instant leaseExpiresAt;

    /** A cancel or pause asked for while the job runs; the worker reads it from its heartbeat answer. */
    @Column(name = "requested_action", length = 10)
    private RequestedAction requestedAction;

    /** Pre-flight estimate of the memory one device needs; workers claim only jobs their devices can hold. */
    @Column(name = "required_memory_bytes", nullable = false)
    private long requiredMemoryBytes;

    @Column(name = "current_step", nullable = false)
    private int currentStep;

    @Column(name = "total_steps", nullable = false)
    private int totalSteps;

    @Column(name = "trained_tokens", nullable = false)
    private long trainedTokens;

    /** The phase the worker last reported ({@link JobPhase#apiName()}); null before the first heartbeat. */
    @Column(name = "current_phase", length = 20)
    private String currentPhase;

    @Column(name = "phase_done", nullable = false)
    private long phaseDone;

    @Column(name = "phase_total", nullable = false)
    private long phaseTotal;

    @Column(name = "phase_ends_at")
    private Instant phaseEndsAt;

    @Column(name = "error_code", length = 50)
    private String errorCode;

    @Column(name = "error_message")
    private String errorMessage;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    @Column(name = "queued_at")
    private Instant queuedAt;

    @Column(name = "started_at")
    private Instant startedAt;

    @Column(name = "finished_at")
    private Instant finishedAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt = Instant.now();

    /** Status changes not yet announced (see {@link #takeStatusChanges()}). */
    @Transient
    private final List<JobStatus> unannounced = new ArrayList<>();

    protected FineTuningJob() {
    }

    /**
     * A submitted job: it joins the queue at once (its dataset versions were validated on upload).
     *
     * @param sweepGroup the sweep it belongs to, or null
     */
    public FineTuningJob(Team team, AppUser owner, BaseModel baseModel, DatasetVersion datasetVersion, String name,
            FineTuningMethod method, String configJson, int priority, int devicesRequested, int maxAttempts,
            long requiredMemoryBytes, String sweepGroup, Instant now) {
        this.team = team;
        this.owner = owner;
        this.baseModel = baseModel;
        this.datasetVersion = datasetVersion;
        this.name = name;
        this.method = method;
        this.config = configJson;
        this.priority = priority;
        this.devicesRequested = devicesRequested;
        this.maxAttempts = maxAttempts;
        this.requiredMemoryBytes = requiredMemoryBytes;
        this.sweepGroup = sweepGroup;
        this.createdAt = now;
        this.queuedAt = now;
        this.status = JobStatus.QUEUED;
        this.updatedAt = now;
        unannounced.add(JobStatus.QUEUED);
    }

    /** Makes this (new) job continue the LoRA adapter another succeeded job trained (DD030). */
    void continueAdapterOf(long jobId) {
        this.adapterFromJobId = jobId;
    }

    /** The job whose adapter this one continues training, if any (the lineage base → that job → this job). */
    public Optional<Long> getAdapterFromJobId() {
        return Optional.ofNullable(adapterFromJobId);
    }

    /**
     * Cancels a waiting (queued or paused) job at once.
     *
     * @throws JobStateException when the job is running (ask its worker: {@link #requestCancel}) or has ended
     */
    public void cancel(Instant now) {
        if (status == JobStatus.RUNNING) {
            throw new JobStateException("Job " + id + " is running: request the cancel from its worker");
        }
        moveTo(JobStatus.CANCELLED, now, "cancelled");
    }

    /** Holds a queued job; it keeps its place in the queue for {@link #resume}. */
    public void pause(Instant now) {
        if (status == JobStatus.RUNNING) {
            throw new JobStateException("Job " + id + " is running: request the pause from its worker");
        }
        moveTo(JobStatus.PAUSED, now, "paused");
    }

    /** Puts a paused job back in the queue at its old place (or at the end if it never queued). */
    public void resume(Instant now) {
        if (status != JobStatus.PAUSED) {
            throw new JobStateException("Job " + id + " is " + status.apiName() + "; only paused jobs can be resumed");
        }
        moveTo(JobStatus.QUEUED, now, "resumed");
        if (queuedAt == null) {
            queuedAt = now;
        }
    }

    /** Asks the worker running this job to cancel at its next step (it reads this from its heartbeat answer). */
    public void requestCancel(Instant now) {
        request(RequestedAction.CANCEL, now);
    }

    /** Asks the worker running this job to save a checkpoint and stop. */
    public void requestPause(Instant now) {
        request(RequestedAction.PAUSE, now);
    }

    /**
     * The status changes made through this entity since the last call, as events (the job must have its id, i.e.
     * be persisted); for {@link JobEvents#announce} only.
     */
    List<JobStatusChanged> takeStatusChanges() {
        List<JobStatusChanged> changes = unannounced.stream()
                .map(s -> new JobStatusChanged(id, team.getId(), s)).toList();
        unannounced.clear();
        return changes;
    }

    /** The one transition of this entity: checks the move, sets the status and its timestamps, records the change. */
    private void moveTo(JobStatus next, Instant now, String verb) {
        if (!status.canBecome(next)) {
            throw new JobStateException("Job " + id + " is " + (status.isTerminal() ? "already " : "")
                    + status.apiName() + " and cannot be " + verb);
        }
        status = next;
        updatedAt = now;
        if (next.isTerminal()) {
            finishedAt = now;
        }
        unannounced.add(next);
    }

    private void request(RequestedAction action, Instant now) {
        if (status != JobStatus.RUNNING) {
            throw new JobStateException("Job " + id + " is " + status.apiName() + "; only a running job is asked "
                    + "through its worker");
        }
        requestedAction = action;
        updatedAt = now;
    }

    public Long getId() {
        return id;
    }

    public Team getTeam() {
        return team;
    }

    public AppUser getOwner() {
        return owner;
    }

    public BaseModel getBaseModel() {
        return baseModel;
    }

    public DatasetVersion getDatasetVersion() {
        return datasetVersion;
    }

    public String getName() {
        return name;
    }

    public FineTuningMethod getMethod() {
        return method;
    }

    public String getConfig() {
        return config;
    }

    public JobStatus getStatus() {
        return status;
    }

    public int getPriority() {
        return priority;
    }

    public void setPriority(int priority) {
        this.priority = priority;
        this.updatedAt = Instant.now();
    }

    public Optional<String> getSweepGroup() {
        return Optional.ofNullable(sweepGroup);
    }

    public int getDevicesRequested() {
        return devicesRequested;
    }

    public Optional<RequestedAction> getRequestedAction() {
        return Optional.ofNullable(requestedAction);
    }

    public long getRequiredMemoryBytes() {
        return requiredMemoryBytes;
    }

    public int getAttempt() {
        return attempt;
    }

    public int getMaxAttempts() {
        return maxAttempts;
    }

    public Optional<Worker> getWorker() {
        return Optional.ofNullable(worker);
    }

    public long getLeaseVersion() {
        return leaseVersion;
    }

    public Optional<Instant> getLeaseExpiresAt() {
        return Optional.ofNullable(leaseExpiresAt);
    }

    public int getCurrentStep() {
        return currentStep;
    }

    public int getTotalSteps() {
        return totalSteps;
    }

    /** The current phase's progress while the job runs (and where it stopped after); empty before any report. */
    public Optional<PhaseProgress> getPhase() {
        return JobPhase.fromApiName(currentPhase)
                .map(phase -> new PhaseProgress(phase, phaseDone, phaseTotal, Optional.ofNullable(phaseEndsAt)));
    }

    public long getTrainedTokens() {
        return trainedTokens;
    }

    public Optional<String> getErrorCode() {
        return Optional.ofNullable(errorCode);
    }

    public Optional<String> getErrorMessage() {
        return Optional.ofNullable(errorMessage);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Optional<Instant> getQueuedAt() {
        return Optional.ofNullable(queuedAt);
    }

    public Optional<Instant> getStartedAt() {
        return Optional.ofNullable(startedAt);
    }

    public Optional<Instant> getFinishedAt() {
        return Optional.ofNullable(finishedAt);
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
