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
import java.time.Instant;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A fine-tuning job: what to train (model, data, configuration), and where it is in the queue and lifecycle. */
@Entity
@Table(name = "fine_tuning_jobs")
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

    /** The training configuration as JSON with LLaMA-Factory-compatible keys. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    private String config;

    @Column(nullable = false, length = 20)
    private JobStatus status = JobStatus.VALIDATING_FILES;

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

    protected FineTuningJob() {
    }

    public FineTuningJob(Team team, AppUser owner, BaseModel baseModel, DatasetVersion datasetVersion, String name,
            FineTuningMethod method, String configJson, int priority) {
        this.team = team;
        this.owner = owner;
        this.baseModel = baseModel;
        this.datasetVersion = datasetVersion;
        this.name = name;
        this.method = method;
        this.config = configJson;
        this.priority = priority;
    }

    /** Files are valid: the job joins the queue. */
    public void enqueue(Instant now) {
        requireStatus(JobStatus.VALIDATING_FILES, JobStatus.PAUSED);
        status = JobStatus.QUEUED;
        queuedAt = now;
        updatedAt = now;
    }

    /** Ends the job for good with an error a user can read. */
    public void fail(String code, String message, Instant now) {
        status = JobStatus.FAILED;
        errorCode = code;
        errorMessage = message;
        finishedAt = now;
        updatedAt = now;
    }

    private void requireStatus(JobStatus... allowed) {
        for (JobStatus s : allowed) {
            if (status == s) {
                return;
            }
        }
        throw new IllegalStateException("Job " + id + " is " + status.apiName() + "; cannot do this now.");
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

    public void setSweepGroup(String sweepGroup) {
        this.sweepGroup = sweepGroup;
    }

    public int getDevicesRequested() {
        return devicesRequested;
    }

    public void setDevicesRequested(int devicesRequested) {
        this.devicesRequested = devicesRequested;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public Optional<RequestedAction> getRequestedAction() {
        return Optional.ofNullable(requestedAction);
    }

    public long getRequiredMemoryBytes() {
        return requiredMemoryBytes;
    }

    public void setRequiredMemoryBytes(long requiredMemoryBytes) {
        this.requiredMemoryBytes = requiredMemoryBytes;
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
