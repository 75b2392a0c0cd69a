package io.tuneforge.core.job;

import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.DatasetVersionRepository;
import io.tuneforge.core.model.BaseModel;
import io.tuneforge.core.model.BaseModelRepository;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a {@link JobRequest} of the new-job form into submissions to the {@link JobService}: checks the datasets
 * of the mix, stores the {@code train} config as JSON (with the mix under {@code dataset_mix}, the first dataset being
 * the job's primary one) and submits. A sweep queues one job per grid point, all sharing a {@code sweep_group}.
 */
@Service
@Transactional
public class JobLaunchService {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final FineTuningJobRepository jobs;
    private final BaseModelRepository models;
    private final DatasetVersionRepository versions;
    private final JobService jobService;

    public JobLaunchService(FineTuningJobRepository jobs, BaseModelRepository models, DatasetVersionRepository versions,
            JobService jobService) {
        this.jobs = jobs;
        this.models = models;
        this.versions = versions;
        this.jobService = jobService;
    }

    /** Queues one job; returns its id. */
    public long launch(Actor actor, JobRequest request) {
        return create(actor, request, request.config(), request.name(), null);
    }

    /** Queues one job per grid point as a sweep group; returns the job ids in grid order. */
    public List<Long> launchSweep(Actor actor, JobRequest request, SweepGrid grid) {
        List<Map<String, Object>> points = grid.points(request.method());
        if (points.isEmpty()) {
            throw new JobLaunchException("The sweep grid is empty: give at least one learning rate and one epoch count");
        }
        if (points.size() > SweepGrid.MAX_POINTS) {
            throw new JobLaunchException("The sweep has " + points.size() + " points; at most " + SweepGrid.MAX_POINTS
                    + " are allowed: list fewer values");
        }
        String group = "sweep-" + UUID.randomUUID().toString().substring(0, 8);
        List<Long> ids = new ArrayList<>();
        for (Map<String, Object> point : points) {
            Map<String, Object> config = new LinkedHashMap<>(request.config());
            config.putAll(point);
            ids.add(create(actor, request, config, request.name() + " " + describe(point), group));
        }
        return ids;
    }

    /** The pre-flight estimate (memory per device, time) for the request, when the model has a config.json. */
    @Transactional(readOnly = true)
    public java.util.Optional<ResourceEstimate> estimate(Actor actor, JobRequest request) {
        if (request.datasets().isEmpty()) {
            return java.util.Optional.empty();
        }
        int rows = versions.findById(request.datasets().getFirst().versionId()).map(DatasetVersion::getRowCount).orElse(0);
        return jobService.estimate(actor, request.baseModelId(), request.method(),
                JSON.writeValueAsString(request.config()), rows);
    }

    private long create(Actor actor, JobRequest request, Map<String, Object> config, String name, String sweepGroup) {
        actor.requireWriter();
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new JobLaunchException("Give the run a name of 1 to 200 characters");
        }
        if (request.priority() > 0) {
            actor.requireAdmin();
        }
        BaseModel model = models.findById(request.baseModelId())
                .orElseThrow(() -> new JobLaunchException("Choose a base model"));
        if (request.datasets().isEmpty()) {
            throw new JobLaunchException("Choose at least one dataset");
        }
        List<Map<String, Object>> mix = new ArrayList<>();
        DatasetVersion primary = null;
        for (JobRequest.DatasetShare share : request.datasets()) {
            DatasetVersion version = versions.findById(share.versionId())
                    .orElseThrow(() -> new JobLaunchException("Dataset version " + share.versionId() + " does not exist"));
            if (!actor.canSee(version.getDataset().getTeam().getId())) {
                throw new AccessRefusedException("Dataset " + version.getDataset().getName() + " belongs to another team");
            }
            if (version.getStatus() != DatasetVersion.Status.VALID) {
                throw new JobLaunchException("Dataset " + version.getDataset().getName() + " v" + version.getVersion()
                        + " is " + version.getStatus().name().toLowerCase() + ": fix the rows listed in its validation report");
            }
            if (!(share.ratio() > 0)) {
                throw new JobLaunchException("Mixing ratio of " + version.getDataset().getName() + " must be above 0");
            }
            primary = primary == null ? version : primary;
            mix.add(Map.of("dataset_version_id", version.getId(), "dataset", version.getDataset().getName(),
                    "ratio", share.ratio()));
        }
        Map<String, Object> stored = new LinkedHashMap<>(config);
        stored.put("finetuning_type", request.method().name().toLowerCase());
        stored.put("model_name_or_path", model.getPath());
        stored.put("dataset", String.join(",", mix.stream().map(m -> (String) m.get("dataset")).toList()));
        stored.put("dataset_mix", mix);
        try {
            JobSummary job = jobService.submit(actor, new JobSubmission(name.strip(), model.getId(),
                    primary.getId(), request.method(), JSON.writeValueAsString(stored), request.priority(), 1,
                    java.util.Optional.empty()));
            if (sweepGroup != null) {
                jobs.findById(job.id()).orElseThrow().setSweepGroup(sweepGroup);
            }
            return job.id();
        } catch (JobRefusedException e) {
            throw new JobLaunchException(e.getMessage());
        }
    }

    private static String describe(Map<String, Object> point) {
        StringBuilder text = new StringBuilder();
        point.forEach((key, value) -> text.append(switch (key) {
            case "learning_rate" -> "lr=";
            case "lora_rank" -> " r=";
            case "num_train_epochs" -> " ep=";
            default -> " " + key + "=";
        }).append(value));
        return text.toString();
    }
}
