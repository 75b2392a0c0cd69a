package io.tuneforge.core.job;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes training metrics in batches. Every point is an upsert on (job, name, step), so a resumed job that replays
 * steps after its last checkpoint overwrites them instead of duplicating them.
 */
@Service
public class MetricsWriter {

    private final JdbcTemplate jdbc;

    MetricsWriter(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Writes a batch for a job under its lease; false (nothing written) when the lease is lost. */
    @Transactional
    public boolean write(Lease lease, List<MetricPoint> points) {
        Integer held = jdbc.queryForObject("select count(*) from fine_tuning_jobs where id = ? and lease_version = ? "
                + "and status = 'running'", Integer.class, lease.jobId(), lease.leaseVersion());
        if (held == null || held == 0) {
            return false;
        }
        jdbc.batchUpdate("""
                insert into training_metrics (job_id, step, name, value) values (?, ?, ?, ?)
                on conflict (job_id, name, step) do update set value = excluded.value, recorded_at = now()
                """, points, 500, (ps, p) -> {
                    ps.setLong(1, lease.jobId());
                    ps.setInt(2, p.step());
                    ps.setString(3, p.name());
                    ps.setDouble(4, p.value());
                });
        return true;
    }

    /**
     * Drops points recorded after {@code step}: called when a job resumes from the checkpoint at {@code step}, so
     * the history shows only the steps of the run that continues (no stale points from the lost attempt).
     */
    @Transactional
    public void truncateAfter(Lease lease, int step) {
        jdbc.update("delete from training_metrics where job_id = ? and step > ? and exists (select 1 from "
                + "fine_tuning_jobs where id = ? and lease_version = ? and status = 'running')",
                lease.jobId(), step, lease.jobId(), lease.leaseVersion());
    }
}
