package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.dataset.DatasetFile;
import io.tuneforge.core.dataset.DatasetFileRepository;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.DatasetVersionRepository;
import io.tuneforge.core.platform.PlatformHome;
import java.nio.file.Path;
import java.time.Instant;
import io.tuneforge.shared.dataset.ColumnMapping;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker's read side of a job it claimed ({@link JobQueue#claim}): what to train ({@link ClaimedJob}: model,
 * configuration, the dataset mix with its files) and where to continue ({@link ClaimedCheckpoint}). Workers ask
 * here instead of reading core's tables themselves. Writes under the lease stay with {@link JobQueue}.
 */
@Service
@Transactional(readOnly = true)
public class ClaimedJobs {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final FineTuningJobRepository jobs;
    private final DatasetVersionRepository versions;
    private final DatasetFileRepository files;
    private final CheckpointRepository checkpoints;
    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final PlatformHome home;
    private final RewardModelJobs rewardModels;

    public ClaimedJobs(FineTuningJobRepository jobs, DatasetVersionRepository versions, DatasetFileRepository files,
            CheckpointRepository checkpoints, ArtifactRepository artifacts, ArtifactStore store, PlatformHome home,
            RewardModelJobs rewardModels) {
        this.rewardModels = rewardModels;
        this.artifacts = artifacts;
        this.jobs = jobs;
        this.versions = versions;
        this.files = files;
        this.checkpoints = checkpoints;
        this.store = store;
        this.home = home;
    }

    /**
     * The job {@code lease} holds, as its worker trains it.
     *
     * @return empty when the lease no longer holds the job (the reaper gave it to another worker, or it ended): the
     *         worker drops it, as after a lost heartbeat
     */
    public Optional<ClaimedJob> read(Lease lease) {
        return jobs.findById(lease.jobId()).filter(job -> holds(job, lease)).map(this::claimed);
    }

    /**
     * When a job finished, for sweeping its worker's scratch folder.
     *
     * @return when it succeeded, failed or was cancelled; {@link Instant#EPOCH} when the job no longer exists; empty
     *         while it is queued, running or paused
     */
    public Optional<Instant> finishedAt(long jobId) {
        Optional<FineTuningJob> job = jobs.findById(jobId);
        if (job.isEmpty()) {
            return Optional.of(Instant.EPOCH);
        }
        return job.filter(j -> j.getStatus().isTerminal())
                .map(j -> j.getFinishedAt().orElse(j.getUpdatedAt()));
    }

    /**
     * The newest checkpoint (by step) of a job whose files are present in the platform's artifact store; older ones
     * stand in for checkpoints whose files are gone.
     */
    @Transactional(propagation = Propagation.NOT_SUPPORTED) // the store may download: hold no connection meanwhile
    public Optional<ClaimedCheckpoint> lastCheckpoint(long jobId) {
        return lastCheckpoint(jobId, store);
    }

    /** As {@link #lastCheckpoint(long)}, looking in a worker's own view of the artifact store. */
    @Transactional(propagation = Propagation.NOT_SUPPORTED)
    public Optional<ClaimedCheckpoint> lastCheckpoint(long jobId, ArtifactStore artifacts) {
        for (Checkpoint checkpoint : checkpoints.findByJobIdOrderByStepDesc(jobId)) {
            String key = checkpoint.getStoragePath();
            if (artifacts.exists(key)) {
                return Optional.of(new ClaimedCheckpoint(checkpoint.getStep(), artifacts.localCopy(key), key));
            }
        }
        return Optional.empty();
    }

    /** The lease's check, as {@link JobQueue#holds}: the job runs under the lease's version. */
    private static boolean holds(FineTuningJob job, Lease lease) {
        return job.getStatus() == JobStatus.RUNNING && job.getLeaseVersion() == lease.leaseVersion();
    }

    private ClaimedJob claimed(FineTuningJob job) {
        long primary = job.getDatasetVersion().getId();
        return new ClaimedJob(job.getId(), job.getName(), job.getMethod(), job.getConfig(),
                job.getBaseModel().getName(), Path.of(job.getBaseModel().getPath()), primary,
                datasets(mix(job.getConfig(), primary)), job.getDevicesRequested(), job.getAttempt(),
                job.getAdapterFromJobId().flatMap(parent -> artifacts.findByJobIdAndKind(parent,
                        ArtifactKind.ADAPTER)).map(Artifact::getStoragePath), rewardModels.claimed(job.getConfig()));
    }

    /** One entry of {@code dataset_mix}; the name is the one stored at launch, shown when the version is gone. */
    private record MixEntry(long versionId, String name, double ratio) {
    }

    /** The job's {@code dataset_mix}, or its primary dataset version with ratio 1 when the config has none. */
    private static List<MixEntry> mix(String configJson, long primaryVersionId) {
        JsonNode mix = JSON.readTree(configJson).path("dataset_mix");
        if (!mix.isArray() || mix.isEmpty()) {
            return List.of(new MixEntry(primaryVersionId, "", 1.0));
        }
        List<MixEntry> entries = new ArrayList<>();
        for (JsonNode entry : mix) {
            entries.add(new MixEntry(entry.path("dataset_version_id").asLong(), entry.path("dataset").asString(""),
                    entry.path("ratio").asDouble(1.0)));
        }
        return entries;
    }

    /** Every dataset of the mix with its files (a version's source and train files train, validation validates). */
    private List<ClaimedDataset> datasets(List<MixEntry> mix) {
        List<Long> ids = mix.stream().map(MixEntry::versionId).distinct().toList();
        Map<Long, DatasetVersion> found = new HashMap<>();
        versions.findAllById(ids).forEach(v -> found.put(v.getId(), v));
        Map<Long, List<Path>> train = new HashMap<>();
        Map<Long, List<Path>> validation = new HashMap<>();
        for (DatasetFile file : files.findByDatasetVersionIdInOrderByIdAsc(ids)) {
            Path path = home.root().resolve(file.getStoragePath()); // stored relative to the home; absolute stays
            (file.getPurpose() == DatasetFile.Purpose.VALIDATION ? validation : train)
                    .computeIfAbsent(file.getDatasetVersion().getId(), v -> new ArrayList<>()).add(path);
        }
        return mix.stream().map(e -> {
            Optional<DatasetVersion> version = Optional.ofNullable(found.get(e.versionId()));
            String name = version.map(v -> v.getDataset().getName())
                    .orElse(e.name().isEmpty() ? "version " + e.versionId() : e.name());
            return new ClaimedDataset(e.versionId(), name, version.map(DatasetVersion::getFormat),
                    train.getOrDefault(e.versionId(), List.of()), validation.getOrDefault(e.versionId(), List.of()),
                    e.ratio(), version.map(DatasetVersion::getColumnMapping).orElse(ColumnMapping.none()));
        }).toList();
    }
}
