package io.tuneforge.core.job;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The speeds workers measured per phase and model size ({@code worker_phase_speeds}), written when a phase of a job
 * ends and read by the pre-flight estimate of the next job ({@link MeasuredSpeeds}).
 */
@Repository
public class PhaseSpeedRepository {

    /** Measurements of a phase that calibrate an estimate: the latest few, their median. */
    static final int RECENT = 5;

    private final JdbcTemplate jdbc;

    PhaseSpeedRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records that {@code lease}'s worker ran {@code phase} at {@code unitsPerSecond} on a model of
     * {@code modelParameters}; ignored when the lease no longer holds or the speed is not a positive number.
     */
    @Transactional
    public void record(Lease lease, JobPhase phase, long modelParameters, double unitsPerSecond, String unit) {
        if (!(unitsPerSecond > 0) || Double.isInfinite(unitsPerSecond)) {
            return;
        }
        jdbc.update("""
                insert into worker_phase_speeds (worker_id, phase, model_parameters, units_per_second, unit)
                select ?, ?, ?, ?, ? where exists (select 1 from fine_tuning_jobs
                    where id = ? and lease_version = ? and status = 'running')
                """, lease.workerId(), phase.apiName(), modelParameters, unitsPerSecond, unit, lease.jobId(),
                lease.leaseVersion());
    }

    /**
     * The median of the latest {@value #RECENT} measurements of each phase on models within a factor of two of
     * {@code modelParameters} (any worker); empty for a phase never measured at that size.
     */
    @Transactional(readOnly = true)
    public MeasuredSpeeds near(long modelParameters) {
        return new MeasuredSpeeds(median(JobPhase.TRAINING, modelParameters),
                median(JobPhase.PREDICTING, modelParameters), median(JobPhase.MERGING, modelParameters),
                median(JobPhase.EXPORTING_GGUF, modelParameters));
    }

    private OptionalDouble median(JobPhase phase, long modelParameters) {
        List<Double> speeds = jdbc.queryForList("""
                select units_per_second from worker_phase_speeds
                where phase = ? and model_parameters between ? and ?
                order by measured_at desc, id desc limit ?
                """, Double.class, phase.apiName(), modelParameters / 2, modelParameters * 2, RECENT);
        if (speeds.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] sorted = speeds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return OptionalDouble.of(sorted.length % 2 == 1 ? sorted[middle]
                : (sorted[middle - 1] + sorted[middle]) / 2);
    }
}
