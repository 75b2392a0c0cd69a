package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.platform.PlatformHome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a claimed job's specification and its last checkpoint. */
final class JobSpecReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final PlatformHome home;
    private final ArtifactStore artifacts;

    JobSpecReader(JdbcTemplate jdbc, PlatformHome home, ArtifactStore artifacts) {
        this.jdbc = jdbc;
        this.home = home;
        this.artifacts = artifacts;
    }

    JobSpec read(Lease lease) {
        JobSpec job = jdbc.queryForObject("""
                select j.id, j.name, j.method, j.config::text, m.name, m.path, j.dataset_version_id,
                       j.devices_requested, j.attempt
                from fine_tuning_jobs j
                join base_models m on m.id = j.base_model_id
                where j.id = ?
                """, (rs, n) -> new JobSpec(rs.getLong(1), rs.getString(2),
                FineTuningMethod.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)), rs.getString(4), rs.getString(5),
                Path.of(rs.getString(6)), rs.getLong(7), List.of(), rs.getInt(8), rs.getInt(9)), lease.jobId());
        return new JobSpec(job.jobId(), job.name(), job.method(), job.configJson(), job.baseModelName(),
                job.baseModelPath(), job.datasetVersionId(), datasets(mix(job)),
                job.devicesRequested(), job.attempt());
    }

    /** One entry of {@code dataset_mix}; the name is the one stored at launch, shown when the version is gone. */
    private record MixEntry(long versionId, String name, double ratio) {
    }

    /** The job's {@code dataset_mix}, or its primary dataset version with ratio 1 when the config has none. */
    private static List<MixEntry> mix(JobSpec job) {
        JsonNode mix = JSON.readTree(job.configJson()).path("dataset_mix");
        if (!mix.isArray() || mix.isEmpty()) {
            return List.of(new MixEntry(job.datasetVersionId(), "", 1.0));
        }
        List<MixEntry> entries = new ArrayList<>();
        for (JsonNode entry : mix) {
            entries.add(new MixEntry(entry.path("dataset_version_id").asLong(), entry.path("dataset").asString(""),
                    entry.path("ratio").asDouble(1.0)));
        }
        return entries;
    }

    /** Every dataset of the mix with its files, read in one query. */
    private List<JobDataset> datasets(List<MixEntry> mix) {
        Map<Long, String> names = new HashMap<>();
        Map<Long, String> formats = new HashMap<>();
        Map<Long, List<Path>> train = new HashMap<>();
        Map<Long, List<Path>> validation = new HashMap<>();
        List<Long> ids = mix.stream().map(MixEntry::versionId).distinct().toList();
        String placeholders = String.join(", ", ids.stream().map(id -> "?").toList());
        jdbc.query("""
                select v.id, d.name, v.format, f.purpose, f.storage_path
                from dataset_versions v
                join datasets d on d.id = v.dataset_id
                left join dataset_files f on f.dataset_version_id = v.id
                where v.id in (%s)
                order by f.id
                """.formatted(placeholders), rs -> {
            long version = rs.getLong(1);
            names.put(version, rs.getString(2));
            formats.put(version, rs.getString(3));
            if (rs.getString(5) != null) {
                Path path = home.root().resolve(rs.getString(5)); // stored relative to the home; absolute stays
                (rs.getString(4).equals("validation") ? validation : train)
                        .computeIfAbsent(version, v -> new ArrayList<>()).add(path);
            }
        }, ids.toArray());
        return mix.stream().map(e -> new JobDataset(e.versionId(), names.getOrDefault(e.versionId(),
                e.name().isEmpty() ? "version " + e.versionId() : e.name()), formats.getOrDefault(e.versionId(), ""),
                train.getOrDefault(e.versionId(), List.of()), validation.getOrDefault(e.versionId(), List.of()),
                e.ratio())).toList();
    }

    /** The newest checkpoint whose files are present in the artifact store. */
    Optional<ResumePoint> lastCheckpoint(long jobId) {
        List<Object[]> rows = jdbc.query("select step, storage_path from checkpoints where job_id = ? "
                + "order by step desc", (rs, n) -> new Object[] {rs.getInt(1), rs.getString(2)}, jobId);
        for (Object[] row : rows) {
            String key = (String) row[1];
            if (artifacts.exists(key)) {
                return Optional.of(new ResumePoint((Integer) row[0], artifacts.localCopy(key), key));
            }
        }
        return Optional.empty();
    }
}
