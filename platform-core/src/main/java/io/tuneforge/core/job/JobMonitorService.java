package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerDeviceRepository;
import io.tuneforge.core.worker.WorkerRepository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the job pages read: jobs visible to the actor, their metrics, events, checkpoints and artifacts, and the
 * queue. Read-only; the queue service changes jobs.
 */
@Service
@Transactional(readOnly = true)
public class JobMonitorService {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final FineTuningJobRepository jobs;
    private final TrainingMetricRepository metrics;
    private final JobEventRepository events;
    private final CheckpointRepository checkpoints;
    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final WorkerRepository workers;
    private final WorkerDeviceRepository devices;

    public JobMonitorService(FineTuningJobRepository jobs, TrainingMetricRepository metrics, JobEventRepository events,
            CheckpointRepository checkpoints, ArtifactRepository artifacts, ArtifactStore store,
            WorkerRepository workers, WorkerDeviceRepository devices) {
        this.workers = workers;
        this.devices = devices;
        this.jobs = jobs;
        this.metrics = metrics;
        this.events = events;
        this.checkpoints = checkpoints;
        this.artifacts = artifacts;
        this.store = store;
    }

    /** One metric value. */
    public record MetricPoint(int step, String name, double value) {
    }

    /** One event line. */
    public record EventLine(long id, Instant at, JobEvent.Level level, String type, String message) {
    }

    /** A saved checkpoint. */
    public record CheckpointLine(int step, String storagePath, Optional<String> metricsJson, Instant at) {
    }

    /** A downloadable result, with its absolute path on the server. */
    public record ArtifactLine(ArtifactKind kind, Path path, long sizeBytes, Optional<String> sha256) {
    }

    /**
     * A device of a registered worker with the worker's load.
     *
     * @param worker      worker name
     * @param status      worker status
     * @param device      e.g. "cuda:0 NVIDIA H200"
     * @param memoryBytes device memory
     * @param runningJobs jobs the worker runs now
     */
    public record DeviceLoad(String worker, String status, String device, long memoryBytes, long runningJobs) {
    }

    /** Every device of every registered worker with its worker's running jobs (visible to all: shared hardware). */
    public List<DeviceLoad> deviceLoad() {
        List<FineTuningJob> running = jobs.findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus.RUNNING);
        List<DeviceLoad> lines = new ArrayList<>();
        for (Worker worker : workers.findAllByOrderByNameAsc()) {
            long load = running.stream().filter(j -> j.getWorker().map(w -> w.getId().equals(worker.getId())).orElse(false)).count();
            for (WorkerDevice device : devices.findByWorkerIdOrderByDeviceIndexAsc(worker.getId())) {
                lines.add(new DeviceLoad(worker.getName(), worker.getStatus().name().toLowerCase(),
                        device.getKind().name().toLowerCase() + (device.getDeviceIndex() >= 0 ? ":" + device.getDeviceIndex() : "")
                                + " " + device.getName(), device.getMemoryBytes(), load));
            }
        }
        return lines;
    }

    /** Jobs the actor may see, newest first (all for administrators). */
    public List<JobOverview> list(Actor actor) {
        List<Long> queue = queueOrder();
        return jobs.findAll().stream()
                .filter(job -> actor.canSee(job.getTeam().getId()))
                .sorted((a, b) -> b.getCreatedAt().compareTo(a.getCreatedAt()))
                .map(job -> summary(job, queue)).toList();
    }

    public JobOverview get(Actor actor, long jobId) {
        return summary(visible(actor, jobId), queueOrder());
    }

    /** Every queued job in the order workers will claim them (all teams: the queue is shared). */
    public List<JobOverview> queue(Actor actor) {
        List<Long> queue = queueOrder();
        return jobs.findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus.QUEUED).stream()
                .map(job -> actor.canSee(job.getTeam().getId()) ? summary(job, queue) : anonymised(summary(job, queue)))
                .toList();
    }

    /** Jobs per status over the whole platform. */
    public long countByStatus(JobStatus status) {
        return jobs.countByStatus(status);
    }

    /** Metrics of a job from {@code fromStep} on (inclusive), in step order. */
    public List<MetricPoint> metrics(Actor actor, long jobId, int fromStep) {
        visible(actor, jobId);
        List<MetricPoint> points = new ArrayList<>();
        for (TrainingMetric metric : metrics.findByKeyJobIdOrderByKeyStepAsc(jobId)) {
            if (metric.getStep() >= fromStep) {
                points.add(new MetricPoint(metric.getStep(), metric.getName(), metric.getValue()));
            }
        }
        return points;
    }

    /** Events after the given event id (0 for all). */
    public List<EventLine> events(Actor actor, long jobId, long afterId) {
        visible(actor, jobId);
        return events.findByJobIdAndIdGreaterThanOrderByIdAsc(jobId, afterId).stream()
                .map(e -> new EventLine(e.getId(), e.getCreatedAt(), e.getLevel(), e.getType(), e.getMessage())).toList();
    }

    public List<CheckpointLine> checkpoints(Actor actor, long jobId) {
        visible(actor, jobId);
        return checkpoints.findByJobIdOrderByStepAsc(jobId).stream()
                .map(c -> new CheckpointLine(c.getStep(), c.getStoragePath(), c.getMetrics(), c.getCreatedAt())).toList();
    }

    public List<ArtifactLine> artifacts(Actor actor, long jobId) {
        visible(actor, jobId);
        return artifacts.findByJobId(jobId).stream()
                .filter(a -> store.exists(a.getStoragePath()))
                .map(a -> new ArtifactLine(a.getKind(), store.localCopy(a.getStoragePath()), a.getSizeBytes(),
                        a.getSha256())).toList();
    }

    /**
     * The tuned models the actor may chat with: succeeded jobs (their team's; all for administrators) whose adapter
     * or merged model is in the artifact store, newest first.
     */
    public List<TunedModel> tunedModels(Actor actor) {
        List<FineTuningJob> succeeded = actor.isAdmin() ? jobs.findByStatusOrderByIdDesc(JobStatus.SUCCEEDED)
                : jobs.findByTeamIdAndStatusOrderByIdDesc(actor.teamId(), JobStatus.SUCCEEDED);
        return succeeded.stream()
                .flatMap(job -> tunedModel(job).stream())
                .toList();
    }

    /**
     * One job's tuned model.
     *
     * @throws AccessRefusedException when the job belongs to another team
     * @throws JobLaunchException     when there is no such job, or it has not succeeded with a stored adapter or
     *                                merged model
     */
    public TunedModel tunedModel(Actor actor, long jobId) {
        FineTuningJob job = visible(actor, jobId);
        if (job.getStatus() != JobStatus.SUCCEEDED) {
            throw new JobLaunchException("Job " + jobId + " is " + job.getStatus().apiName()
                    + ": only a succeeded job has a tuned model to chat with");
        }
        return tunedModel(job).orElseThrow(() -> new JobLaunchException("Job " + jobId
                + " has no stored adapter or merged model"));
    }

    private Optional<TunedModel> tunedModel(FineTuningJob job) {
        Optional<Artifact> artifact = storedArtifact(job.getId(), ArtifactKind.ADAPTER)
                .or(() -> storedArtifact(job.getId(), ArtifactKind.MERGED));
        return artifact.map(a -> new TunedModel(job.getId(), job.getName(), job.getTeam().getName(),
                job.getBaseModel().getId(), job.getBaseModel().getName(), Path.of(job.getBaseModel().getPath()),
                a.getKind(), store.localCopy(a.getStoragePath()), templateOf(job.getConfig()), job.getFinishedAt()));
    }

    private Optional<Artifact> storedArtifact(long jobId, ArtifactKind kind) {
        return artifacts.findByJobIdAndKind(jobId, kind).filter(a -> store.exists(a.getStoragePath()));
    }

    /** The {@code template} key of a job's stored configuration, if set. */
    static Optional<String> templateOf(String configJson) {
        JsonNode template = JSON.readTree(configJson).path("template");
        return template.isString() && !template.asString().isBlank() ? Optional.of(template.asString().strip())
                : Optional.empty();
    }

    private FineTuningJob visible(Actor actor, long jobId) {
        FineTuningJob job = jobs.findById(jobId).orElseThrow(() -> new JobLaunchException("No job with id " + jobId));
        if (!actor.canSee(job.getTeam().getId())) {
            throw new AccessRefusedException("Job " + jobId + " belongs to another team");
        }
        return job;
    }

    private List<Long> queueOrder() {
        return jobs.findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus.QUEUED).stream()
                .map(FineTuningJob::getId).toList();
    }

    private JobOverview summary(FineTuningJob job, List<Long> queue) {
        int position = queue.indexOf(job.getId());
        return new JobOverview(job.getId(), job.getName(), job.getOwner().getUsername(), job.getTeam().getName(),
                job.getStatus(), job.getMethod(), job.getBaseModel().getName(),
                job.getDatasetVersion().getDataset().getName() + " v" + job.getDatasetVersion().getVersion(),
                job.getCurrentStep(), job.getTotalSteps(), job.getTrainedTokens(), job.getPriority(),
                job.getSweepGroup(), position < 0 ? OptionalInt.empty() : OptionalInt.of(position + 1),
                job.getWorker().map(w -> w.getName()), job.getErrorCode(), job.getErrorMessage(), job.getConfig(),
                job.getCreatedAt(), job.getStartedAt(), job.getFinishedAt());
    }

    /** Another team's queued job: its place and size are shown, not its name, owner or data. */
    private static JobOverview anonymised(JobOverview job) {
        return new JobOverview(job.id(), "(another team's job)", "", job.team(), job.status(), job.method(), "", "",
                0, job.totalSteps(), 0, job.priority(), Optional.empty(), job.placeInQueue(), Optional.empty(),
                Optional.empty(), Optional.empty(), "{}", job.createdAt(), Optional.empty(), Optional.empty());
    }
}
