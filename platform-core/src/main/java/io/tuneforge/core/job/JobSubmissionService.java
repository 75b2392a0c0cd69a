package io.tuneforge.core.job;

import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.DatasetVersionRepository;
import io.tuneforge.core.model.BaseModel;
import io.tuneforge.core.model.BaseModelRepository;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.AppUserRepository;
import io.tuneforge.core.worker.OfferedDevice;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.core.worker.WorkerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.Bf16Support;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one way a job is created, for the new-job form and the REST API alike: {@link #submit} checks a
 * {@link JobSubmission} once and queues it, {@link #submitSweep} queues one job per grid point the same way.
 *
 * <p>The checks: the caller may write; a priority above 0 only for administrators (both
 * {@link AccessRefusedException}); a name of 1 to 200 characters, at least one device and a positive attempt limit;
 * the caller's account still in the caller's team; the base model and every dataset version of the mix visible to
 * the caller, each version valid with a mixing ratio above 0; the training configuration read as a
 * {@link JobRecipe} (types, ranges, unknown keys and cross-field rules: a {@link RecipeException} naming the key); the
 * pre-flight memory estimate fitting a registered device. Anything else refused is a {@link JobRefusedException}
 * whose message says what to change. A refused submission stores nothing (one
 * transaction; a sweep is all or nothing). The team's device quota applies when a worker claims the job
 * ({@link JobQueue}), not here.
 */
@Service
public class JobSubmissionService {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_NAME_LENGTH = 200;

    private final FineTuningJobRepository jobs;
    private final BaseModelRepository models;
    private final DatasetVersionRepository versions;
    private final AppUserRepository users;
    private final WorkerRegistry workers;
    private final JobEvents events;
    private final JobMonitorService monitor;
    private final ObjectProvider<ChatTemplateCheck> templateChecks;

    private final PhaseSpeedRepository speeds;
    private final ArtifactRepository artifacts;
    private final RewardModelJobs rewardModels;

    JobSubmissionService(FineTuningJobRepository jobs, BaseModelRepository models, DatasetVersionRepository versions,
            AppUserRepository users, WorkerRegistry workers, JobEvents events, JobMonitorService monitor,
            ObjectProvider<ChatTemplateCheck> templateChecks, PhaseSpeedRepository speeds,
            ArtifactRepository artifacts, RewardModelJobs rewardModels) {
        this.rewardModels = rewardModels;
        this.artifacts = artifacts;
        this.templateChecks = templateChecks;
        this.speeds = speeds;
        this.jobs = jobs;
        this.models = models;
        this.versions = versions;
        this.users = users;
        this.workers = workers;
        this.events = events;
        this.monitor = monitor;
    }

    /**
     * Checks the submission and queues the job.
     *
     * @throws AccessRefusedException when the caller is a viewer, or not an administrator and asks for priority > 0
     * @throws JobRefusedException    when anything else is refused (the message names the field and what to change)
     */
    @Transactional
    public JobOverview submit(Actor caller, JobSubmission submission) {
        long id = create(caller, submission, submission.configuration(), submission.name(), null);
        return monitor.get(caller, id);
    }

    /**
     * Queues one job per grid point, all sharing a {@code sweep_group}; each is checked as {@link #submit} checks
     * it, and if one is refused none is queued.
     *
     * @return the jobs in grid order
     */
    @Transactional
    public List<JobOverview> submitSweep(Actor caller, JobSubmission submission, SweepGrid grid) {
        List<Map<String, Object>> points = grid.points(submission.method());
        if (points.isEmpty()) {
            throw new JobRefusedException("The sweep grid is empty: give at least one learning rate and one epoch "
                    + "count");
        }
        if (points.size() > SweepGrid.MAX_POINTS) {
            throw new JobRefusedException("The sweep has " + points.size() + " points; at most " + SweepGrid.MAX_POINTS
                    + " are allowed: list fewer values");
        }
        String group = "sweep-" + UUID.randomUUID().toString().substring(0, 8);
        List<Long> ids = new ArrayList<>();
        for (Map<String, Object> point : points) {
            Map<String, Object> configuration = new LinkedHashMap<>(submission.configuration());
            configuration.putAll(point);
            ids.add(create(caller, submission, configuration, submission.name() + " " + describe(point), group));
        }
        return ids.stream().map(id -> monitor.get(caller, id)).toList();
    }

    /**
     * The pre-flight estimate (memory per device, time) of a prospective job, when the model folder has a
     * {@code config.json}; refuses what {@link #submit} would refuse about the model, data and configuration.
     */
    @Transactional(readOnly = true)
    public Optional<ResourceEstimate> estimate(Actor caller, JobSubmission submission) {
        BaseModel model = visibleModel(caller, submission.baseModelId());
        List<Share> mix = checkedMix(caller, submission.datasets());
        JobRecipe recipe = checkedRecipe(submission.configuration(), submission.method());
        Optional<FineTuningJob> rewardModel = rewardModel(caller, recipe, model, submission.method());
        return estimate(model, recipe, rows(mix), rewardModel);
    }

    /** The id of the base model with this name, if the caller may use it (for the REST API, which names models). */
    @Transactional(readOnly = true)
    public long baseModelNamed(Actor caller, String name) {
        return models.findByName(name).filter(m -> visible(caller, m)).map(BaseModel::getId)
                .orElseThrow(() -> new JobRefusedException("Unknown model '" + name
                        + "': list the available ones with GET /api/v1/models"));
    }

    private long create(Actor caller, JobSubmission submission, Map<String, Object> configuration, String name,
            String sweepGroup) {
        caller.requireWriter();
        requirePriorityAllowed(caller, submission.priority());
        String runName = checkedName(name);
        if (submission.devicesRequested() < 1) {
            throw new JobRefusedException("devices must be at least 1 (got " + submission.devicesRequested() + ")");
        }
        int maxAttempts = submission.maxAttempts().orElse(3);
        if (maxAttempts < 1) {
            throw new JobRefusedException("max_attempts must be at least 1 (got " + maxAttempts + ")");
        }
        AppUser user = users.findById(caller.userId())
                .filter(u -> u.getTeam().getId() == caller.teamId())
                .orElseThrow(() -> new AccessRefusedException("The account " + caller.username()
                        + " no longer exists or has moved to another team: sign in again"));
        BaseModel model = visibleModel(caller, submission.baseModelId());
        List<Share> mix = checkedMix(caller, submission.datasets());
        JobRecipe recipe = checkedRecipe(configuration, submission.method());
        requireTrainingRun(recipe);
        requireDataOfTheStage(recipe, mix);
        Optional<FineTuningJob> rewardModel = rewardModel(caller, recipe, model, submission.method());
        if (rewardModel.isPresent()) { // stored as the job's id, whatever the user typed
            recipe = recipe.with(Map.of("reward_model", Long.toString(rewardModel.get().getId())),
                    RecipeSource.STORED);
        }
        Optional<FineTuningJob> adapterSource = submission.adapterFromJob()
                .map(parent -> adapterSource(caller, parent, model, submission.method()));
        checkTemplate(model, recipe);
        Optional<ResourceEstimate> estimate = estimate(model, recipe, rows(mix), rewardModel);
        estimate.ifPresent(e -> requireSomeDeviceFits(e, submission.devicesRequested()));

        FineTuningJob created = new FineTuningJob(user.getTeam(), user, model, mix.getFirst().version(),
                runName, submission.method(), stored(recipe, model, mix),
                submission.priority(), submission.devicesRequested(), maxAttempts,
                estimate.map(ResourceEstimate::totalBytes).orElse(0L), sweepGroup, Instant.now());
        adapterSource.ifPresent(parent -> created.continueAdapterOf(parent.getId()));
        FineTuningJob job = jobs.saveAndFlush(created);
        adapterSource.ifPresent(parent -> events.info(job.getId(), JobEventType.MESSAGE, "Continues the LoRA adapter "
                + "of job " + parent.getId() + " (" + parent.getName() + ")", Map.of("adapter_from_job",
                parent.getId())));
        rewardModel.ifPresent(rm -> events.info(job.getId(), JobEventType.MESSAGE, "Scores its answers with the "
                + "reward model of job " + rm.getId() + " (" + rm.getName() + ")", Map.of("reward_model_job",
                rm.getId())));
        events.info(job.getId(), JobEventType.JOB_PENDING, "Job created",
                estimate.map(JobSubmissionService::estimateData).orElse(Map.of()));
        if (estimate.isEmpty()) {
            events.warn(job.getId(), JobEventType.MESSAGE, "No memory estimate: the model folder "
                    + model.getPath() + " has no readable config.json", Map.of());
        }
        events.info(job.getId(), JobEventType.JOB_QUEUED, "Waiting for a device", Map.of());
        events.announce(job);
        return job.getId();
    }

    /**
     * Refuses a prediction run ({@code do_predict}): a platform job trains; its held-out predictions come with it, and
     * a prediction run of a YAML goes through the CLI.
     *
     * @throws RecipeException naming {@code do_predict}
     */
    private static void requireTrainingRun(JobRecipe recipe) {
        if (recipe.evaluation().doPredict()) {
            throw new RecipeException("do_predict", true, "false for a platform job",
                    "do_predict: a platform job trains a model (and answers its held-out rows, downloadable as "
                            + "predictions); run a prediction-only YAML with `java -jar platform-trainer.jar train "
                            + "--config FILE`, or score a tuned model on the Evaluate page");
        }
    }

    /**
     * Refuses a dataset of the wrong shape for the stage: preference training (stage dpo) needs chosen/rejected pairs,
     * supervised training cannot use them.
     *
     * @throws RecipeException naming {@code dataset}
     */
    private static void requireDataOfTheStage(JobRecipe recipe, List<Share> mix) {
        String stage = recipe.method().stage();
        boolean pairs = stage.equals("dpo") || stage.equals("rm");
        for (Share share : mix) {
            DatasetVersion version = share.version();
            String label = version.getDataset().getName() + " v" + version.getVersion();
            boolean isPreference = version.getFormat() == DatasetFormat.PREFERENCE;
            if (stage.equals("kto") && !hasKtoTag(version)) {
                throw new RecipeException("dataset", label, "datasets with a kto_tag column",
                        "dataset: " + label + " has no kto_tag column; stage kto trains on answers tagged desirable "
                                + "(true) or undesirable (false): map the column as kto_tag in the column mapping "
                                + "(as LLaMA-Factory's kto_en_demo: {\"kto_tag\": \"label\"}) or choose another "
                                + "dataset");
            }
            if (stage.equals("kto")) {
                continue;
            }
            if (pairs && !isPreference) {
                throw new RecipeException("dataset", label, "preference datasets (rows with chosen and rejected)",
                        "dataset: " + label + " is " + version.getFormat().name().toLowerCase(Locale.ROOT)
                                + " data without chosen/rejected answers; stage " + stage + " trains on preference "
                                + "pairs: "
                                + "choose a preference dataset");
            }
            if (recipe.data().classificationHead() && version.getFormat() != DatasetFormat.CLASSIFICATION) {
                throw new RecipeException("dataset", label, "classification datasets (rows with text and label)",
                        "dataset: " + label + " is " + version.getFormat().name().toLowerCase(Locale.ROOT)
                                + " data; task_type seq_cls trains a classification head on text + label rows: "
                                + "choose a classification dataset or set task_type causal_lm");
            }
            if (stage.equals("pt") && version.getFormat() != DatasetFormat.TEXT) {
                throw new RecipeException("dataset", label, "raw text datasets",
                        "dataset: " + label + " is " + version.getFormat().name().toLowerCase(Locale.ROOT)
                                + " data; stage pt trains on raw text: choose a text dataset");
            }
            if (!pairs && isPreference) {
                throw new RecipeException("dataset", label, "datasets with prompts and answers",
                        "dataset: " + label + " holds preference pairs (chosen/rejected), which stage "
                                + recipe.method().stage() + " cannot train on: set stage: dpo or choose another dataset");
            }
        }
    }

    /**
     * Stage ppo's reward model (DD037): the finished stage rm job that {@code reward_model} names, with the policy's
     * tokenizer; and the policy LoRA (its reference is the base with the adapter switched off). Empty for other
     * stages.
     *
     * @throws RecipeException naming {@code reward_model} or {@code finetuning_type}
     */
    private Optional<FineTuningJob> rewardModel(Actor caller, JobRecipe recipe, BaseModel model,
            FineTuningMethod method) {
        if (!recipe.method().stage().equals("ppo")) {
            return Optional.empty();
        }
        if (method != FineTuningMethod.LORA) {
            throw new RecipeException("finetuning_type", method.recipeType().key(), "lora", "stage ppo trains a "
                    + "LoRA policy (its reference model is the base with the adapter switched off): set "
                    + "finetuning_type lora");
        }
        return Optional.of(rewardModels.resolve(caller, recipe.preference().ppo().rewardModel().orElse(null), model));
    }

    /**
     * The job whose adapter a submission continues (DD030): visible to the caller, succeeded, a LoRA job of the same
     * base model with a stored adapter, and the new job LoRA too.
     *
     * @throws JobRefusedException naming {@code adapter_from_job} and what to change
     */
    private FineTuningJob adapterSource(Actor caller, long parentId, BaseModel model, FineTuningMethod method) {
        FineTuningJob parent = jobs.findById(parentId).filter(j -> caller.canSee(j.getTeam().getId()))
                .orElseThrow(() -> new JobRefusedException("adapter_from_job: job " + parentId + " does not exist or "
                        + "belongs to another team"));
        String what = "adapter_from_job: job " + parentId + " (" + parent.getName() + ")";
        if (parent.getStatus() != JobStatus.SUCCEEDED) {
            throw new JobRefusedException(what + " is " + parent.getStatus().apiName() + ": only a succeeded job's "
                    + "adapter can be trained further");
        }
        if (parent.getMethod() != FineTuningMethod.LORA
                || artifacts.findByJobIdAndKind(parentId, io.tuneforge.core.artifact.ArtifactKind.ADAPTER).isEmpty()) {
            throw new JobRefusedException(what + " has no LoRA adapter (it trained with "
                    + parent.getMethod().name().toLowerCase(Locale.ROOT) + "): choose a LoRA job");
        }
        if (!parent.getBaseModel().getId().equals(model.getId())) {
            throw new JobRefusedException(what + " tuned " + parent.getBaseModel().getName() + ", not "
                    + model.getName() + ": choose the same base model");
        }
        if (method != FineTuningMethod.LORA) {
            throw new JobRefusedException(what + ": continuing an adapter needs method lora, not "
                    + method.name().toLowerCase(Locale.ROOT));
        }
        return parent;
    }

    /**
     * Whether a version's rows carry KTO tags: its column mapping names the {@code kto_tag} column (LLaMA-Factory's
     * {@code columns.kto_tag}; a LLaMA-Factory folder import keeps it). Rows are not read at submission.
     */
    private static boolean hasKtoTag(DatasetVersion version) {
        return version.getColumnMapping().columns().containsKey("kto_tag");
    }

    /** Refuses a job whose chat template does not resolve for its model (see {@link ChatTemplateCheck}). */
    private void checkTemplate(BaseModel model, JobRecipe recipe) {
        templateChecks.orderedStream().forEach(check -> check.check(Path.of(model.getPath()), recipe.data().template()));
    }

    /**
     * The training configuration as a checked recipe whose fine-tuning type is the submission's method (given in
     * both places they must agree). The one place a job's settings are parsed, checked and defaulted.
     *
     * @throws RecipeException naming the key, the value and what is allowed
     */
    private JobRecipe checkedRecipe(Map<String, Object> configuration, FineTuningMethod method) {
        JobRecipe recipe = JobRecipe.readForMethod(configuration, RecipeSource.FORM, method.recipeType());
        requireBf16Device(recipe);
        return recipe;
    }

    /**
     * Refuses {@code bf16: true} (or {@code pure_bf16: true}) when no registered worker device computes bfloat16
     * natively (the claim then leaves the job to a worker whose devices do). With no worker registered yet, this
     * host's CPU decides: the embedded worker of a single-machine install is the one that will run it.
     */
    private void requireBf16Device(JobRecipe recipe) {
        if (!recipe.model().computesInBf16()) {
            return;
        }
        List<OfferedDevice> devices = workers.availableDevices();
        if (devices.isEmpty()) {
            Bf16Support.requireFor(recipe);
        } else if (devices.stream().noneMatch(OfferedDevice::bf16)) {
            throw new RecipeException(recipe.model().bf16Key(), true, "false on these workers", "no registered worker "
                    + "device computes bf16 natively (" + String.join(", ", devices.stream().map(OfferedDevice::name).distinct()
                            .toList()) + "; it needs a CPU with AVX512-BF16 or AMX, or a GPU of compute capability "
                    + "8.0 or more): train in fp32 (remove bf16) or add such a worker");
        }
    }

    /**
     * The stored configuration: the recipe's effective values (every default filled in, so the job trains the same
     * whatever later versions default to) plus what the worker reads of model and data mix.
     */
    private static String stored(JobRecipe recipe, BaseModel model, List<Share> mix) {
        ObjectNode stored = JSON.valueToTree(recipe.effectiveValues());
        stored.put("model_name_or_path", model.getPath());
        stored.put("dataset", String.join(",", mix.stream().map(s -> s.version().getDataset().getName()).toList()));
        stored.set("dataset_mix", JSON.valueToTree(mix.stream().map(s -> Map.of(
                "dataset_version_id", s.version().getId(), "dataset", s.version().getDataset().getName(),
                "ratio", s.ratio())).toList()));
        return JSON.writeValueAsString(stored);
    }

    private static void requirePriorityAllowed(Actor caller, int priority) {
        if (priority > 0 && !caller.isAdmin()) {
            throw new AccessRefusedException("Only administrators may give a job a priority above 0 (asked for "
                    + priority + "): submit it with priority 0, or ask an administrator to raise it in the queue");
        }
    }

    private static String checkedName(String name) {
        String stripped = name == null ? "" : name.strip();
        if (stripped.isEmpty() || stripped.length() > MAX_NAME_LENGTH) {
            throw new JobRefusedException("Give the run a name of 1 to " + MAX_NAME_LENGTH + " characters");
        }
        return stripped;
    }

    private BaseModel visibleModel(Actor caller, long baseModelId) {
        return models.findById(baseModelId).filter(m -> visible(caller, m))
                .orElseThrow(() -> new JobRefusedException("Base model " + baseModelId
                        + " does not exist or belongs to another team: pick one from the Models page or "
                        + "GET /api/v1/models"));
    }

    private static boolean visible(Actor caller, BaseModel model) {
        return model.getTeam().map(t -> caller.canSee(t.getId())).orElse(true);
    }

    /** A dataset version of the mix with its ratio, checked. */
    private record Share(DatasetVersion version, double ratio) {
    }

    private List<Share> checkedMix(Actor caller, List<JobSubmission.DatasetShare> datasets) {
        if (datasets.isEmpty()) {
            throw new JobRefusedException("Choose at least one dataset (the REST API's training_file)");
        }
        List<Share> mix = new ArrayList<>();
        for (JobSubmission.DatasetShare share : datasets) {
            DatasetVersion version = versions.findById(share.versionId())
                    .filter(v -> caller.canSee(v.getDataset().getTeam().getId()))
                    .orElseThrow(() -> new JobRefusedException("Dataset version " + share.versionId()
                            + " does not exist or belongs to another team: upload it on the Datasets page or with "
                            + "POST /api/v1/files"));
            String label = version.getDataset().getName() + " v" + version.getVersion();
            if (version.getStatus() != DatasetVersion.Status.VALID) {
                throw new JobRefusedException("Dataset " + label + " (file " + version.getId() + ") is "
                        + version.getStatus().name().toLowerCase(Locale.ROOT)
                        + ": fix the rows listed in its validation report and upload it again");
            }
            if (!(share.ratio() > 0) || Double.isInfinite(share.ratio())) {
                throw new JobRefusedException("The mixing ratio of " + label + " must be above 0 (got "
                        + share.ratio() + ")");
            }
            mix.add(new Share(version, share.ratio()));
        }
        return mix;
    }

    /** Rows one epoch trains on: each version's rows times its ratio. */
    private static long rows(List<Share> mix) {
        return Math.round(mix.stream().mapToDouble(s -> s.version().getRowCount() * s.ratio()).sum());
    }

    private Optional<ResourceEstimate> estimate(BaseModel model, JobRecipe recipe, long rowCount,
            Optional<FineTuningJob> rewardModel) {
        Path folder = Path.of(model.getPath());
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            return Optional.empty();
        }
        boolean cuda = workers.availableDevices().stream().anyMatch(d -> d.kind() == WorkerDevice.Kind.CUDA);
        ModelDimensions dimensions = ModelDimensions.read(folder);
        Optional<PreflightEstimator.RewardModelSize> reward = rewardModel.flatMap(JobSubmissionService::rewardSize);
        return Optional.of(PreflightEstimator.estimate(dimensions, recipe, rowCount, cuda,
                speeds.near(dimensions.parameters()), reward));
    }

    /** The size of a reward model for the estimate: its base model's dimensions and whether it is an adapter. */
    private static Optional<PreflightEstimator.RewardModelSize> rewardSize(FineTuningJob rewardJob) {
        Path folder = Path.of(rewardJob.getBaseModel().getPath());
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            return Optional.empty();
        }
        JobRecipe recipe = JobRecipe.readForMethod(JSON.readValue(rewardJob.getConfig(), Map.class),
                RecipeSource.STORED, rewardJob.getMethod().recipeType());
        return Optional.of(new PreflightEstimator.RewardModelSize(ModelDimensions.read(folder),
                PreflightEstimator.trainableParameters(ModelDimensions.read(folder), recipe),
                rewardJob.getMethod() != FineTuningMethod.FULL && rewardJob.getMethod() != FineTuningMethod.FREEZE));
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

    private static Map<String, Object> estimateData(ResourceEstimate e) {
        PhaseSeconds p = e.phases();
        return Map.of("estimated_memory_bytes", e.totalBytes(), "estimated_seconds", e.estimatedSeconds(),
                "trainable_parameters", e.trainableParams(), "estimated_phase_seconds", Map.of("training", p.training(),
                        "evaluating", p.evaluation(), "merging", p.merging(), "predicting", p.predicting(),
                        "exporting_gguf", p.exporting()), "estimate_calibrated", p.calibrated());
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
