package io.tuneforge.core.job;

import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.DatasetVersionRepository;
import io.tuneforge.core.model.BaseModel;
import io.tuneforge.core.model.BaseModelRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.AppUserRepository;
import io.tuneforge.core.worker.OfferedDevice;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerRegistry;
import jakarta.persistence.EntityManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job lifecycle as users drive it: submit (with a pre-flight estimate), cancel, pause, resume, and reads (job,
 * page of jobs, events, checkpoints, metrics, place in queue). Every method takes the caller's {@link Actor}:
 * another team's job reads as absent ({@link JobNotFoundException}).
 */
@Service
public class JobService {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final FineTuningJobRepository jobs;
    private final BaseModelRepository models;
    private final DatasetVersionRepository datasetVersions;
    private final AppUserRepository users;
    private final JobEventRepository events;
    private final CheckpointRepository checkpoints;
    private final TrainingMetricRepository metrics;
    private final WorkerRegistry workers;
    private final JobEvents jobEvents;
    private final JdbcTemplate jdbc;
    private final EntityManager entityManager;

    JobService(FineTuningJobRepository jobs, BaseModelRepository models, DatasetVersionRepository datasetVersions,
            AppUserRepository users, JobEventRepository events, CheckpointRepository checkpoints,
            TrainingMetricRepository metrics, WorkerRegistry workers, JobEvents jobEvents, JdbcTemplate jdbc,
            EntityManager entityManager) {
        this.jobs = jobs;
        this.models = models;
        this.datasetVersions = datasetVersions;
        this.users = users;
        this.events = events;
        this.checkpoints = checkpoints;
        this.metrics = metrics;
        this.workers = workers;
        this.jobEvents = jobEvents;
        this.jdbc = jdbc;
        this.entityManager = entityManager;
    }

    /**
     * Creates a job. It is refused ({@link JobRefusedException}) when the model or data are not the team's, the data
     * failed validation, the configuration is not a JSON object, or the pre-flight estimate fits no registered device.
     * A job whose data is still being validated waits in {@code validating_files}; otherwise it joins the queue.
     */
    @Transactional
    public JobSummary submit(Actor caller, JobSubmission submission) {
        caller.requireWriter();
        AppUser user = users.findById(caller.userId())
                .orElseThrow(() -> new JobRefusedException("Unknown user " + caller.userId()));
        BaseModel model = models.findById(submission.baseModelId())
                .filter(m -> m.getTeam().map(t -> caller.canSee(t.getId())).orElse(true))
                .orElseThrow(() -> new JobRefusedException("Base model " + submission.baseModelId()
                        + " does not exist or belongs to another team: pick one from GET /api/v1/models"));
        DatasetVersion data = datasetVersions.findById(submission.datasetVersionId())
                .filter(v -> caller.canSee(v.getDataset().getTeam().getId()))
                .orElseThrow(() -> new JobRefusedException("Training file " + submission.datasetVersionId()
                        + " does not exist or belongs to another team: upload it with POST /api/v1/files"));
        if (data.getStatus() == DatasetVersion.Status.INVALID) {
            throw new JobRefusedException("Training file " + data.getId() + " failed validation; see its "
                    + "validation report, fix the file and upload it again");
        }
        if (submission.devicesRequested() < 1) {
            throw new JobRefusedException("devices must be at least 1");
        }
        JsonNode config = parseConfig(submission.configJson());
        Optional<ResourceEstimate> estimate = estimate(model, submission.method(), config, data.getRowCount());
        estimate.ifPresent(e -> requireSomeDeviceFits(e, submission.devicesRequested()));

        FineTuningJob job = new FineTuningJob(user.getTeam(), user, model, data, nameOf(submission, model),
                submission.method(), submission.configJson(), submission.priority());
        job.setDevicesRequested(submission.devicesRequested());
        submission.maxAttempts().ifPresent(job::setMaxAttempts);
        estimate.ifPresent(e -> job.setRequiredMemoryBytes(e.totalBytes()));
        jobs.saveAndFlush(job);

        jobEvents.info(job.getId(), JobEventType.JOB_PENDING, "Job created; validating files",
                estimate.map(JobService::estimateData).orElse(Map.of()));
        if (estimate.isEmpty()) {
            jobEvents.warn(job.getId(), JobEventType.MESSAGE, "No memory estimate: the model folder "
                    + model.getPath() + " has no readable config.json", Map.of());
        }
        if (data.getStatus() == DatasetVersion.Status.VALID) {
            enqueue(job);
        }
        return JobSummary.of(job, queuePosition(job.getId()));
    }

    /**
     * The data pipeline finished validating a dataset version: its waiting jobs join the queue, or fail with the
     * reason when the data is invalid.
     */
    @Transactional
    public void datasetVersionValidated(long datasetVersionId) {
        DatasetVersion data = datasetVersions.findById(datasetVersionId).orElseThrow();
        for (FineTuningJob job : jobs.findByDatasetVersionIdAndStatus(datasetVersionId, JobStatus.VALIDATING_FILES)) {
            if (data.getStatus() == DatasetVersion.Status.VALID) {
                enqueue(job);
            } else if (data.getStatus() == DatasetVersion.Status.INVALID) {
                JobFailure failure = JobFailure.invalidTrainingFile("validation found errors (see the file's report)");
                job.fail(failure.code(), failure.message(), Instant.now());
                jobEvents.error(job.getId(), JobEventType.JOB_ERROR, failure.message(), Map.of("code", failure.code()));
                jobEvents.statusChanged(job.getId(), job.getTeam().getId(), JobStatus.FAILED);
            }
        }
    }

    /** The pre-flight estimate for a prospective job (for the UI's submit form), if the model has a config.json. */
    @Transactional(readOnly = true)
    public Optional<ResourceEstimate> estimate(Actor caller, long baseModelId, FineTuningMethod method,
            String configJson, long rowCount) {
        BaseModel model = models.findById(baseModelId)
                .filter(m -> m.getTeam().map(t -> caller.canSee(t.getId())).orElse(true))
                .orElseThrow(() -> new JobRefusedException("Base model " + baseModelId + " does not exist"));
        return estimate(model, method, parseConfig(configJson), rowCount);
    }

    /** Cancels a job: at once when it is not running, else at the worker's next step (within ~2 s). */
    @Transactional
    public JobSummary cancel(Actor caller, long jobId) {
        caller.requireWriter();
        FineTuningJob job = visibleForUpdate(caller, jobId);
        switch (job.getStatus()) {
            case VALIDATING_FILES, QUEUED, PAUSED -> {
                setStatus(jobId, JobStatus.CANCELLED);
                jobEvents.info(jobId, JobEventType.JOB_CANCELLED, "Job cancelled", Map.of());
                jobEvents.statusChanged(jobId, job.getTeam().getId(), JobStatus.CANCELLED);
            }
            case RUNNING -> requestAction(job, RequestedAction.CANCEL, JobEventType.CANCEL_REQUESTED,
                    "Cancel requested; the worker stops at its next step");
            default -> throw new JobStateException("Job " + jobId + " is already " + job.getStatus().apiName()
                    + " and cannot be cancelled");
        }
        return reload(jobId);
    }

    /** Pauses a job: a queued job is held; a running one saves a checkpoint and releases its device. */
    @Transactional
    public JobSummary pause(Actor caller, long jobId) {
        caller.requireWriter();
        FineTuningJob job = visibleForUpdate(caller, jobId);
        switch (job.getStatus()) {
            case QUEUED -> {
                setStatus(jobId, JobStatus.PAUSED);
                jobEvents.info(jobId, JobEventType.JOB_PAUSED, "Job paused while queued", Map.of());
                jobEvents.statusChanged(jobId, job.getTeam().getId(), JobStatus.PAUSED);
            }
            case RUNNING -> requestAction(job, RequestedAction.PAUSE, JobEventType.PAUSE_REQUESTED,
                    "Pause requested; the worker saves a checkpoint and stops");
            default -> throw new JobStateException("Job " + jobId + " is " + job.getStatus().apiName()
                    + "; only queued or running jobs can be paused");
        }
        return reload(jobId);
    }

    /** Puts a paused job back in the queue; it continues from its last checkpoint. */
    @Transactional
    public JobSummary resume(Actor caller, long jobId) {
        caller.requireWriter();
        FineTuningJob job = visibleForUpdate(caller, jobId);
        if (job.getStatus() != JobStatus.PAUSED) {
            throw new JobStateException("Job " + jobId + " is " + job.getStatus().apiName()
                    + "; only paused jobs can be resumed");
        }
        jdbc.update("update fine_tuning_jobs set status = 'queued', queued_at = coalesce(queued_at, now()), "
                + "updated_at = now() where id = ?", jobId);
        jobEvents.info(jobId, JobEventType.JOB_RESUMED, "Job resumed; waiting for a device", Map.of());
        jobEvents.statusChanged(jobId, job.getTeam().getId(), JobStatus.QUEUED);
        jobEvents.notifyQueued(jobId);
        return reload(jobId);
    }

    /** One job. */
    @Transactional(readOnly = true)
    public JobSummary get(Actor caller, long jobId) {
        FineTuningJob job = visible(caller, jobId);
        return JobSummary.of(job, queuePosition(jobId));
    }

    /** A page of jobs, newest first: the caller's team's, or every team's for an administrator. */
    @Transactional(readOnly = true)
    public Page<JobSummary> list(Actor caller, int page, int size) {
        PageRequest request = PageRequest.of(Math.max(page, 0), Math.clamp(size, 1, 100));
        Page<FineTuningJob> found = caller.isAdmin() ? jobs.findAllByOrderByIdDesc(request)
                : jobs.findByTeamIdOrderByIdDesc(caller.teamId(), request);
        Map<Long, Integer> positions = queuePositions(found.getContent());
        return found.map(j -> JobSummary.of(j, Optional.ofNullable(positions.get(j.getId()))));
    }

    /** Events of a job in order, after {@code afterEventId} (0 for all), at most {@code limit}. */
    @Transactional(readOnly = true)
    public List<JobEvent> events(Actor caller, long jobId, long afterEventId, int limit) {
        visible(caller, jobId);
        return events.findByJobIdAndIdGreaterThanOrderByIdAsc(jobId, afterEventId).stream()
                .limit(Math.clamp(limit, 1, 10_000)).toList();
    }

    /** Checkpoints of a job by step. */
    @Transactional(readOnly = true)
    public List<Checkpoint> checkpoints(Actor caller, long jobId) {
        visible(caller, jobId);
        return checkpoints.findByJobIdOrderByStepAsc(jobId);
    }

    /** Metric points of a job by step; {@code name} empty for all metrics. */
    @Transactional(readOnly = true)
    public List<TrainingMetric> metrics(Actor caller, long jobId, Optional<String> name) {
        visible(caller, jobId);
        return name.map(n -> metrics.findByKeyJobIdAndKeyNameOrderByKeyStepAsc(jobId, n))
                .orElseGet(() -> metrics.findByKeyJobIdOrderByKeyStepAsc(jobId));
    }

    /** 1-based place of a queued job, by priority then age; empty when it is not queued. */
    @Transactional(readOnly = true)
    public Optional<Integer> queuePosition(long jobId) {
        List<Integer> rows = jdbc.queryForList("""
                select 1 + (select count(*) from fine_tuning_jobs q
                            where q.status = 'queued'
                              and (q.priority > j.priority
                                   or (q.priority = j.priority and (q.queued_at, q.id) < (j.queued_at, j.id))))
                from fine_tuning_jobs j where j.id = ? and j.status = 'queued'
                """, Integer.class, jobId);
        return rows.stream().findFirst();
    }

    private Map<Long, Integer> queuePositions(List<FineTuningJob> page) {
        if (page.stream().noneMatch(j -> j.getStatus() == JobStatus.QUEUED)) {
            return Map.of();
        }
        Map<Long, Integer> positions = new HashMap<>();
        jdbc.query("select id, row_number() over (order by priority desc, queued_at, id) from fine_tuning_jobs "
                + "where status = 'queued'", rs -> {
                    positions.put(rs.getLong(1), rs.getInt(2));
                });
        return positions;
    }

    private void enqueue(FineTuningJob job) {
        job.enqueue(Instant.now());
        jobs.saveAndFlush(job);
        jobEvents.info(job.getId(), JobEventType.JOB_QUEUED, "Files validated; waiting for a device", Map.of());
        jobEvents.statusChanged(job.getId(), job.getTeam().getId(), JobStatus.QUEUED);
        jobEvents.notifyQueued(job.getId());
    }

    private void requestAction(FineTuningJob job, RequestedAction action, JobEventType type, String message) {
        jdbc.update("update fine_tuning_jobs set requested_action = ?, updated_at = now() where id = ?",
                action.name().toLowerCase(java.util.Locale.ROOT), job.getId());
        jobEvents.info(job.getId(), type, message, Map.of());
        jobEvents.notifyControl(job.getId());
    }

    private void setStatus(long jobId, JobStatus status) {
        jdbc.update("update fine_tuning_jobs set status = ?, updated_at = now(), "
                + "finished_at = case when ? then now() else finished_at end where id = ?",
                status.apiName(), status.isTerminal(), jobId);
    }

    private FineTuningJob visible(Actor caller, long jobId) {
        return jobs.findById(jobId).filter(j -> caller.canSee(j.getTeam().getId()))
                .orElseThrow(() -> new JobNotFoundException(jobId));
    }

    /** Locks the row (status changes race with the worker and the reaper) and reads it fresh. */
    private FineTuningJob visibleForUpdate(Actor caller, long jobId) {
        jdbc.queryForList("select id from fine_tuning_jobs where id = ? for update", Long.class, jobId);
        FineTuningJob job = visible(caller, jobId);
        jobs.flush();
        return job;
    }

    private JobSummary reload(long jobId) {
        jobs.flush();
        FineTuningJob job = jobs.findById(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        entityManager.refresh(job);
        return JobSummary.of(job, queuePosition(jobId));
    }

    private void requireSomeDeviceFits(ResourceEstimate estimate, int devicesRequested) {
        List<OfferedDevice> devices = workers.availableDevices();
        if (devices.isEmpty()) {
            return; // no worker registered yet: the job waits for one
        }
        long fitting = devices.stream().filter(d -> d.memoryBytes() >= estimate.totalBytes()).count();
        if (fitting == 0) {
            OfferedDevice largest = devices.getFirst();
            throw new JobRefusedException("The job needs about " + gib(estimate.totalBytes()) + " per device "
                    + "(weights " + gib(estimate.weightsBytes()) + ", optimizer " + gib(estimate.optimizerBytes())
                    + ", activations " + gib(estimate.activationBytes()) + ") but the largest registered device, "
                    + largest.name() + ", has " + gib(largest.memoryBytes()) + ". Reduce "
                    + "per_device_train_batch_size or cutoff_len, use LoRA with a lower lora_rank, or add a larger GPU.");
        }
        if (devicesRequested > 1 && fitting < devicesRequested) {
            throw new JobRefusedException("The job asks for " + devicesRequested + " devices but only " + fitting
                    + " registered devices have the " + gib(estimate.totalBytes()) + " it needs each.");
        }
    }

    private Optional<ResourceEstimate> estimate(BaseModel model, FineTuningMethod method, JsonNode config,
            long rowCount) {
        Path folder = Path.of(model.getPath());
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            return Optional.empty();
        }
        boolean cuda = workers.availableDevices().stream().anyMatch(d -> d.kind() == WorkerDevice.Kind.CUDA);
        return Optional.of(PreflightEstimator.estimate(ModelDimensions.read(folder), method, config, rowCount, cuda));
    }

    private static JsonNode parseConfig(String configJson) {
        try {
            JsonNode node = JSON.readTree(configJson == null ? "{}" : configJson);
            if (!node.isObject()) {
                throw new JobRefusedException("hyperparameters must be a JSON object");
            }
            return node;
        } catch (JacksonException e) {
            throw new JobRefusedException("hyperparameters are not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String nameOf(JobSubmission s, BaseModel model) {
        return s.name() == null || s.name().isBlank() ? model.getName() + " fine-tune" : s.name().strip();
    }

    private static Map<String, Object> estimateData(ResourceEstimate e) {
        return Map.of("estimated_memory_bytes", e.totalBytes(), "estimated_seconds", e.estimatedSeconds(),
                "trainable_parameters", e.trainableParams());
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
