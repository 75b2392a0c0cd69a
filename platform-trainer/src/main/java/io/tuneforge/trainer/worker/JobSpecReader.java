package io.tuneforge.trainer.worker;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.Lease;
import io.tuneforge.core.platform.PlatformHome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** Reads a claimed job's specification and its last checkpoint. */
final class JobSpecReader {

    private final JdbcTemplate jdbc;
    private final PlatformHome home;
    private final ArtifactStore artifacts;

    JobSpecReader(JdbcTemplate jdbc, PlatformHome home, ArtifactStore artifacts) {
        this.jdbc = jdbc;
        this.home = home;
        this.artifacts = artifacts;
    }

    JobSpec read(Lease lease) {
        List<Path> train = new ArrayList<>();
        List<Path> validation = new ArrayList<>();
        long version = jdbc.queryForObject("select dataset_version_id from fine_tuning_jobs where id = ?", Long.class,
                lease.jobId());
        jdbc.query("select purpose, storage_path from dataset_files where dataset_version_id = ? order by id", rs -> {
            Path path = home.root().resolve(rs.getString(2)); // stored relative to the home; absolute stays
            (rs.getString(1).equals("validation") ? validation : train).add(path);
        }, version);
        return jdbc.queryForObject("""
                select j.id, j.name, j.method, j.config::text, m.name, m.path, v.id, v.format, j.devices_requested,
                       j.attempt
                from fine_tuning_jobs j
                join base_models m on m.id = j.base_model_id
                join dataset_versions v on v.id = j.dataset_version_id
                where j.id = ?
                """, (rs, n) -> new JobSpec(rs.getLong(1), rs.getString(2),
                FineTuningMethod.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)), rs.getString(4), rs.getString(5),
                Path.of(rs.getString(6)), rs.getLong(7), rs.getString(8), List.copyOf(train), List.copyOf(validation),
                rs.getInt(9), rs.getInt(10)), lease.jobId());
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
