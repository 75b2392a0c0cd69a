package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.worker.Worker;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerDeviceRepository;
import io.tuneforge.core.worker.WorkerRepository;
import io.tuneforge.shared.recipe.RecipeData;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.springframework.data.domain.Limit;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one read side of jobs, for the UI and the REST API alike: jobs visible to the actor as {@link JobOverview}
 * (lists, pages, one job, the queue), their metrics, events, checkpoints and artifacts. Another team's job reads as
 * absent ({@link JobNotFoundException}). Read-only: {@link JobSubmissionService} creates jobs, {@link JobService}
 * and {@link JobQueue} change them.
 */
@Service
@Transactional(readOnly = true)
public class JobMonitorService {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_EVENTS = 10_000;

    private final FineTuningJobRepository jobs;
    private final TrainingMetricRepository metrics;
    private final JobEventRepository events;
    private final CheckpointRepository checkpoints;
    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final WorkerRepository workers;
    private final WorkerDeviceRepository devices;
    private final JdbcTemplate jdbc;

    public JobMonitorService(FineTuningJobRepository jobs, TrainingMetricRepository metrics, JobEventRepository events,
            CheckpointRepository checkpoints, ArtifactRepository artifacts, ArtifactStore store,
            WorkerRepository workers, WorkerDeviceRepository devices, JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.workers = workers;
        this.devices = devices;
        this.jobs = jobs;
        this.metrics = metrics;
        this.events = events;
        this.checkpoints = checkpoints;
        this.artifacts = artifacts;
        this.store = store;
    }

    /** One event line; {@code dataJson} carries the event's details (step, code, ...) when it has any. */
    public record EventLine(long id, Instant at, JobEvent.Level level, String type, String message,
            Optional<String> dataJson) {
    }

    /** A saved checkpoint. */
    public record CheckpointLine(long id, int step, String storagePath, Optional<String> metricsJson, Instant at) {
    }

    /** A downloadable result, with its absolute path on the server. */
    public record ArtifactLine(ArtifactKind kind, Path path, long sizeBytes, Optional<String> sha256) {

        /** The artifact's name within its job, stable across restarts: its kind ({@code adapter}, {@code gguf}, ...). */
        public String name() {
            return kind.name().toLowerCase(java.util.Locale.ROOT);
        }
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
        List<FineTuningJob> found = actor.isAdmin() ? jobs.findAllByOrderByIdDesc()
                : jobs.findByTeamIdOrderByIdDesc(actor.teamId());
        return overviews(found).stream().map(job -> forViewer(actor, job)).toList();
    }

    /** A page of the jobs the actor may see, newest first (all for administrators); {@code size} 1 to 100. */
    public Page<JobOverview> list(Actor actor, int page, int size) {
        PageRequest request = PageRequest.of(Math.max(page, 0), Math.clamp(size, 1, 100));
        Page<FineTuningJob> found = actor.isAdmin() ? jobs.findAllByOrderByIdDesc(request)
                : jobs.findByTeamIdOrderByIdDesc(actor.teamId(), request);
        Map<Long, Integer> places = queuePlaces(found.getContent());
        return found.map(job -> forViewer(actor, JobOverview.of(job, placeOf(job, places))));
    }

    /**
     * One job.
     *
     * @throws JobNotFoundException when there is no such job or it belongs to another team
     */
    public JobOverview get(Actor actor, long jobId) {
        return forViewer(actor, overviews(List.of(visible(actor, jobId))).getFirst());
    }

    /** Every queued job in the order workers will claim them (all teams: the queue is shared). */
    public List<JobOverview> queue(Actor actor) {
        return overviews(jobs.findByStatusOrderByPriorityDescQueuedAtAscIdAsc(JobStatus.QUEUED)).stream()
                .map(job -> actor.canSee(job.teamId()) ? forViewer(actor, job) : job.anonymised())
                .toList();
    }

    /** Jobs per status over the whole platform. */
    public long countByStatus(JobStatus status) {
        return jobs.countByStatus(status);
    }

    /** Metrics of a job from {@code fromStep} on (inclusive), in step order. */
    public List<MetricPoint> metrics(Actor actor, long jobId, int fromStep) {
        visible(actor, jobId);
        return metrics.findByKeyJobIdOrderByKeyStepAsc(jobId).stream()
                .filter(metric -> metric.getStep() >= fromStep)
                .map(JobMonitorService::point).toList();
    }

    /** Metrics of a job in step order: one metric ({@code loss}, {@code eval_loss}, ...) or, when empty, all. */
    public List<MetricPoint> metrics(Actor actor, long jobId, Optional<String> name) {
        visible(actor, jobId);
        return name.map(n -> metrics.findByKeyJobIdAndKeyNameOrderByKeyStepAsc(jobId, n))
                .orElseGet(() -> metrics.findByKeyJobIdOrderByKeyStepAsc(jobId)).stream()
                .map(JobMonitorService::point).toList();
    }

    /** Events after the given event id (0 for all). */
    public List<EventLine> events(Actor actor, long jobId, long afterId) {
        return events(actor, jobId, afterId, MAX_EVENTS);
    }

    /** At most {@code limit} (1 to 10,000) events after the given event id (0 for all), in order. */
    public List<EventLine> events(Actor actor, long jobId, long afterId, int limit) {
        visible(actor, jobId);
        return events.findByJobIdAndIdGreaterThanOrderByIdAsc(jobId, afterId, Limit.of(Math.clamp(limit, 1, MAX_EVENTS)))
                .stream().map(e -> new EventLine(e.getId(), e.getCreatedAt(), e.getLevel(), e.getType(),
                        forViewer(actor, e.getMessage()), e.getData().map(data -> forViewer(actor, data)))).toList();
    }

    /** A job as {@code actor} may read it: members see no server paths in its failure message. */
    private static JobOverview forViewer(Actor actor, JobOverview job) {
        return actor.isAdmin() ? job : job.withErrorMessage(job.errorMessage().map(ServerPaths::hide));
    }

    /** A text as {@code actor} may read it: members see no server paths. */
    private static String forViewer(Actor actor, String text) {
        return actor.isAdmin() ? text : ServerPaths.hide(text);
    }

    /** Saved checkpoints of a job by step. */
    public List<CheckpointLine> checkpoints(Actor actor, long jobId) {
        visible(actor, jobId);
        return checkpoints.findByJobIdOrderByStepAsc(jobId).stream()
                .map(c -> new CheckpointLine(c.getId(), c.getStep(), c.getStoragePath(), c.getMetrics(),
                        c.getCreatedAt())).toList();
    }

    public List<ArtifactLine> artifacts(Actor actor, long jobId) {
        visible(actor, jobId);
        return artifacts.findByJobId(jobId).stream()
                .filter(a -> store.exists(a.getStoragePath()))
                .map(a -> new ArtifactLine(a.getKind(), store.localCopy(a.getStoragePath()), a.getSizeBytes(),
                        a.getSha256())).toList();
    }

    /**
     * One of a job's downloadable results by {@link ArtifactLine#name() name}.
     *
     * @throws JobNotFoundException      when the job is absent or another team's
     * @throws ArtifactNotFoundException when the job has no such result (yet)
     */
    public ArtifactLine artifact(Actor actor, long jobId, String name) {
        return artifacts(actor, jobId).stream().filter(a -> a.name().equals(name)).findFirst()
                .orElseThrow(() -> new ArtifactNotFoundException(jobId, name));
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
     * @throws JobNotFoundException   when there is no such job
     * @throws JobLaunchException     when it has not succeeded with a stored adapter or merged model
     */
    public TunedModel tunedModel(Actor actor, long jobId) {
        FineTuningJob job = jobs.findById(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        if (!actor.canSee(job.getTeam().getId())) {
            throw new AccessRefusedException("Job " + jobId + " belongs to another team");
        }
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
                a.getKind(), store.localCopy(a.getStoragePath()), templateOf(job.getConfig()), job.getFinishedAt(),
                computesInBf16(JSON.readTree(job.getConfig()))));
    }

    /** Whether a stored job computed in bfloat16 ({@code bf16} or {@code pure_bf16}). */
    private static boolean computesInBf16(JsonNode config) {
        return config.path("bf16").asBoolean(false) || config.path("pure_bf16").asBoolean(false);
    }

    private Optional<Artifact> storedArtifact(long jobId, ArtifactKind kind) {
        return artifacts.findByJobIdAndKind(jobId, kind).filter(a -> store.exists(a.getStoragePath()));
    }

    /** The {@code template} a job trained with; empty for the model's own ({@code auto}, or not set). */
    static Optional<String> templateOf(String configJson) {
        JsonNode template = JSON.readTree(configJson).path("template");
        return template.isString() ? Optional.of(template.asString().strip())
                .filter(name -> !name.isEmpty() && !name.equals(RecipeData.AUTO_TEMPLATE)) : Optional.empty();
    }

    private FineTuningJob visible(Actor actor, long jobId) {
        return jobs.findById(jobId).filter(job -> actor.canSee(job.getTeam().getId()))
                .orElseThrow(() -> new JobNotFoundException(jobId));
    }

    private List<JobOverview> overviews(List<FineTuningJob> found) {
        Map<Long, Integer> places = queuePlaces(found);
        return found.stream().map(job -> JobOverview.of(job, placeOf(job, places))).toList();
    }

    /**
     * 1-based places of the queued jobs by priority then age (the claim's order within a team), read only when one
     * of {@code found} is queued.
     */
    private Map<Long, Integer> queuePlaces(List<FineTuningJob> found) {
        if (found.stream().noneMatch(job -> job.getStatus() == JobStatus.QUEUED)) {
            return Map.of();
        }
        Map<Long, Integer> places = new HashMap<>();
        jdbc.query("select id, row_number() over (order by priority desc, queued_at, id) from fine_tuning_jobs "
                + "where status = 'queued'", rs -> {
                    places.put(rs.getLong(1), rs.getInt(2));
                });
        return places;
    }

    private static OptionalInt placeOf(FineTuningJob job, Map<Long, Integer> places) {
        Integer place = places.get(job.getId());
        return place == null ? OptionalInt.empty() : OptionalInt.of(place);
    }

    private static MetricPoint point(TrainingMetric metric) {
        return new MetricPoint(metric.getStep(), metric.getName(), metric.getValue());
    }
}
