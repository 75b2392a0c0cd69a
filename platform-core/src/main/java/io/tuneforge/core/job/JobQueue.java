package io.tuneforge.core.job;

import io.tuneforge.core.artifact.ArtifactKind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The GPU queue on PostgreSQL: claims, leases, heartbeats, completions and the reaper of dead workers.
 *
 * <p>A claim is one statement: it picks the best waiting job with {@code FOR UPDATE SKIP LOCKED} (so concurrent
 * workers never wait on each other nor take the same job) and flips it to {@code running} with a new lease version.
 * The order is fair share first (the team holding the smallest share of its device quota), then priority, then age.
 * The team row is locked with the job, and its {@code running_devices} counter (kept by a trigger) is re-checked on
 * the newest row version, so per-team quotas hold exactly under concurrent claims. A worker whose administrator chose
 * draining or paused ({@code workers.availability}) claims nothing; its running jobs go on under their leases.
 *
 * <p>Every later write for the job presents the lease ({@code id} + {@code lease_version} + {@code running}); zero
 * rows updated means the lease was lost and the worker must stop.
 *
 * <p>These statements are the only status writes outside {@link FineTuningJob}'s methods; each announces its change
 * through {@link JobEvents#statusChanged(JobStatusChanged)}, the one publisher of {@link JobStatusChanged}.
 */
@Service
public class JobQueue {

    private static final String CLAIM = """
            with candidate as (
                select q.id
                from fine_tuning_jobs q
                join teams t on t.id = q.team_id
                where q.status = 'queued'
                  and exists (select 1 from workers w where w.id = ? and w.availability = 'active')
                  and q.devices_requested <= ?
                  and q.required_memory_bytes <= ?
                  and (? or not (coalesce((q.config ->> 'bf16')::boolean, false)
                                 or coalesce((q.config ->> 'pure_bf16')::boolean, false)))
                  and t.running_devices + q.devices_requested <= t.max_concurrent_devices
                order by t.running_devices::float8 / greatest(t.max_concurrent_devices, 1),
                         q.priority desc, q.queued_at, q.id
                limit 1
                for update of q, t skip locked
            )
            update fine_tuning_jobs j
            set status = 'running', worker_id = ?, lease_version = j.lease_version + 1,
                lease_expires_at = now() + make_interval(secs => ?), attempt = j.attempt + 1,
                started_at = coalesce(j.started_at, now()), requested_action = null, updated_at = now()
            from candidate
            where j.id = candidate.id
            returning j.id, j.team_id, j.lease_version, j.attempt
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final JobEvents events;
    private final Duration leaseDuration;
    private final int maxInfrastructureRetries;

    JobQueue(JdbcTemplate jdbc, JobEvents events, PhaseSpeedRepository speeds,
            @Value("${tuneforge.queue.lease-duration:15s}") Duration leaseDuration,
            @Value("${tuneforge.queue.max-infrastructure-retries:3}") int maxInfrastructureRetries) {
        if (maxInfrastructureRetries < 0) {
            throw new IllegalArgumentException("tuneforge.queue.max-infrastructure-retries must be 0 or more (got "
                    + maxInfrastructureRetries + ")");
        }
        this.speeds = speeds;
        this.jdbc = jdbc;
        this.events = events;
        this.leaseDuration = leaseDuration;
        this.maxInfrastructureRetries = maxInfrastructureRetries;
    }

    private final PhaseSpeedRepository speeds;

    /**
     * Records the speed at which this lease's worker ran a phase on a model of {@code modelParameters} (it calibrates
     * the pre-flight estimate of later jobs); nothing when the lease no longer holds.
     */
    public void recordPhaseSpeed(Lease lease, JobPhase phase, long modelParameters, double unitsPerSecond,
            String unit) {
        speeds.record(lease, phase, modelParameters, unitsPerSecond, unit);
    }

    /** How long a lease lasts without a heartbeat. */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /** Claims the next job this worker can run, if any; the job is {@code running} on return. */
    @Transactional
    public Optional<Lease> claim(WorkerCapacity capacity) {
        if (capacity.freeDevices() <= 0) {
            return Optional.empty();
        }
        List<Object[]> rows = jdbc.query(CLAIM, (rs, n) -> new Object[] {rs.getLong(1), rs.getLong(2), rs.getLong(3),
                rs.getInt(4)}, capacity.workerId(), capacity.freeDevices(), capacity.memoryPerDeviceBytes(),
                capacity.bf16(), capacity.workerId(),
                seconds(leaseDuration));
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] row = rows.getFirst();
        Lease lease = new Lease((Long) row[0], capacity.workerId(), (Long) row[2], (Integer) row[3]);
        String message = lease.attempt() == 1 ? "Training started" : "Training resumed (attempt " + lease.attempt() + ")";
        events.info(lease.jobId(), JobEventType.JOB_START, message,
                Map.of("worker_id", capacity.workerId(), "attempt", lease.attempt()));
        events.statusChanged(new JobStatusChanged(lease.jobId(), (Long) row[1], JobStatus.RUNNING));
        return Optional.of(lease);
    }

    /**
     * Extends the lease and records progress; answers what the worker should do next. {@link HeartbeatAnswer#LEASE_LOST}
     * when the job is no longer this lease's (reaped, re-claimed elsewhere, or finished).
     */
    @Transactional
    public HeartbeatAnswer heartbeat(Lease lease, int currentStep, int totalSteps, long trainedTokens) {
        return heartbeat(lease, currentStep, totalSteps, trainedTokens, Optional.empty());
    }

    /**
     * A heartbeat that also records the phase the job is in, its progress and the worker's estimate of its end
     * (empty: the stored phase stays as it was).
     */
    @Transactional
    public HeartbeatAnswer heartbeat(Lease lease, int currentStep, int totalSteps, long trainedTokens,
            Optional<PhaseProgress> phase) {
        List<String> action = jdbc.query("""
                update fine_tuning_jobs
                set lease_expires_at = now() + make_interval(secs => ?), current_step = ?, total_steps = ?,
                    trained_tokens = ?, updated_at = now(),
                    current_phase = coalesce(?, current_phase),
                    phase_done = case when ? then ? else phase_done end,
                    phase_total = case when ? then ? else phase_total end,
                    phase_ends_at = case when ? then ? else phase_ends_at end
                where id = ? and lease_version = ? and status = 'running'
                returning requested_action
                """, (rs, n) -> rs.getString(1), seconds(leaseDuration), currentStep, totalSteps, trainedTokens,
                phase.map(p -> p.phase().apiName()).orElse(null),
                phase.isPresent(), phase.map(PhaseProgress::done).orElse(0L),
                phase.isPresent(), phase.map(PhaseProgress::total).orElse(0L),
                phase.isPresent(), phase.flatMap(PhaseProgress::endsAt).map(java.sql.Timestamp::from).orElse(null),
                lease.jobId(), lease.leaseVersion());
        if (action.isEmpty()) {
            return HeartbeatAnswer.LEASE_LOST;
        }
        String requested = action.getFirst();
        if (requested == null) {
            return HeartbeatAnswer.CONTINUE;
        }
        return "cancel".equals(requested) ? HeartbeatAnswer.CANCEL : HeartbeatAnswer.PAUSE;
    }

    /** True while the lease still holds (a cheap check before writing results). */
    @Transactional(readOnly = true)
    public boolean holds(Lease lease) {
        Integer n = jdbc.queryForObject(
                "select count(*) from fine_tuning_jobs where id = ? and lease_version = ? and status = 'running'",
                Integer.class, lease.jobId(), lease.leaseVersion());
        return n != null && n > 0;
    }

    /** Records a saved checkpoint (idempotent per step); false when the lease is lost. */
    @Transactional
    public boolean recordCheckpoint(Lease lease, int step, String storageKey, Map<String, ?> metrics) {
        if (!lockLease(lease)) {
            return false;
        }
        jdbc.update("""
                insert into checkpoints (job_id, step, storage_path, metrics) values (?, ?, ?, ?::jsonb)
                on conflict (job_id, step) do update set storage_path = excluded.storage_path,
                    metrics = excluded.metrics, created_at = now()
                """, lease.jobId(), step, storageKey,
                metrics.isEmpty() ? null : JSON.writeValueAsString(metrics));
        events.info(lease.jobId(), JobEventType.CHECKPOINT_SAVE, "Checkpoint saved at step " + step,
                Map.of("step", step, "path", storageKey));
        return true;
    }

    /** Records a stored artifact (one per kind; a later one replaces it); false when the lease is lost. */
    @Transactional
    public boolean recordArtifact(Lease lease, ArtifactKind kind, String storageKey, long sizeBytes, String sha256) {
        if (!lockLease(lease)) {
            return false;
        }
        String kindName = kind.name().toLowerCase(java.util.Locale.ROOT);
        jdbc.update("""
                insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, ?, ?, ?, ?)
                on conflict (job_id, kind) do update set storage_path = excluded.storage_path,
                    size_bytes = excluded.size_bytes, sha256 = excluded.sha256, created_at = now()
                """, lease.jobId(), kindName, storageKey, sizeBytes, sha256);
        events.info(lease.jobId(), JobEventType.ARTIFACT_SAVED, "Stored " + kindName + " (" + sizeBytes + " bytes)",
                Map.of("kind", kindName, "path", storageKey, "size_bytes", sizeBytes));
        return true;
    }

    /** Training finished: the job succeeded. False when the lease was lost first. */
    @Transactional
    public boolean succeed(Lease lease, int finalStep) {
        return finish(lease, JobStatus.SUCCEEDED, "current_step = " + Math.max(finalStep, 0) + ", ", null, null,
                JobEvent.Level.INFO, JobEventType.TRAINING_COMPLETE, "Training complete at step " + finalStep,
                Map.of("step", finalStep));
    }

    /** The job failed for good with a code and advice. */
    @Transactional
    public boolean fail(Lease lease, JobFailure failure) {
        return finish(lease, JobStatus.FAILED, "", failure.code(), failure.message(), JobEvent.Level.ERROR,
                JobEventType.JOB_ERROR, failure.message(), Map.of("code", failure.code()));
    }

    /** The worker stopped on a cancel request. */
    @Transactional
    public boolean cancelled(Lease lease) {
        return finish(lease, JobStatus.CANCELLED, "", null, null, JobEvent.Level.INFO, JobEventType.JOB_CANCELLED,
                "Job cancelled", Map.of());
    }

    /** The worker saved a checkpoint and stopped on a pause request; the job holds no device while paused. */
    @Transactional
    public boolean paused(Lease lease, int step) {
        return finish(lease, JobStatus.PAUSED, "", null, null, JobEvent.Level.INFO, JobEventType.JOB_PAUSED,
                "Job paused at step " + step + "; resume to continue from there", Map.of("step", step));
    }

    /**
     * The worker is shutting down cleanly: the job goes back to the queue at its old place, and this attempt does not
     * count against its attempt limit.
     */
    @Transactional
    public boolean release(Lease lease, String reason) {
        List<Long> team = jdbc.query("""
                update fine_tuning_jobs
                set status = 'queued', worker_id = null, lease_version = lease_version + 1, lease_expires_at = null,
                    attempt = greatest(attempt - 1, 0), requested_action = null, updated_at = now()
                where id = ? and lease_version = ? and status = 'running'
                returning team_id
                """, (rs, n) -> rs.getLong(1), lease.jobId(), lease.leaseVersion());
        if (team.isEmpty()) {
            return false;
        }
        events.warn(lease.jobId(), JobEventType.JOB_RESTARTED, "Returned to the queue: " + reason
                + "; it resumes from its last checkpoint", Map.of("reason", reason));
        events.statusChanged(new JobStatusChanged(lease.jobId(), team.getFirst(), JobStatus.QUEUED));
        return true;
    }

    /**
     * Finds running jobs whose lease ran out (their worker died or hangs) and re-queues them. A lost worker is the
     * infrastructure's failure, not the job's: the attempt is given back (as on a clean release) and the restart is
     * counted in {@code infrastructure_retries} instead, bounded by {@code tuneforge.queue.max-infrastructure-retries}
     * (default 3) so that a job which kills every worker it runs on still ends, failed with {@code worker_lost}. A
     * pending cancel or pause is honoured instead. Any number of processes may run this at once: rows are taken with
     * {@code SKIP LOCKED}.
     *
     * @return how many jobs were reaped
     */
    @Transactional
    public int reapExpiredLeases() {
        List<Expired> expired = jdbc.query("""
                select id, team_id, lease_version, attempt, max_attempts, infrastructure_retries, worker_id,
                       requested_action
                from fine_tuning_jobs
                where status = 'running' and lease_expires_at < now()
                order by id
                for update skip locked
                """, JobQueue::expired);
        for (Expired job : expired) {
            reap(job);
        }
        return expired.size();
    }

    private void reap(Expired job) {
        String worker = job.workerId == null ? "unknown" : job.workerId.toString();
        events.warn(job.id, JobEventType.WORKER_LOST, "Worker " + worker + " stopped heartbeating",
                Map.of("worker_id", worker, "attempt", job.attempt));
        JobStatus next;
        if ("cancel".equals(job.requestedAction)) {
            next = JobStatus.CANCELLED;
            setStatusAfterLoss(job, next, null);
            events.info(job.id, JobEventType.JOB_CANCELLED, "Job cancelled", Map.of());
        } else if ("pause".equals(job.requestedAction)) {
            next = JobStatus.PAUSED;
            setStatusAfterLoss(job, next, null);
            events.info(job.id, JobEventType.JOB_PAUSED, "Job paused; resume continues from the last checkpoint",
                    Map.of());
        } else if (job.infrastructureRetries >= maxInfrastructureRetries) {
            next = JobStatus.FAILED;
            JobFailure failure = JobFailure.workerLost(job.infrastructureRetries + 1);
            setStatusAfterLoss(job, next, failure);
            events.error(job.id, JobEventType.JOB_ERROR, failure.message(), Map.of("code", failure.code(),
                    "infrastructure_retries", job.infrastructureRetries,
                    "max_infrastructure_retries", maxInfrastructureRetries));
        } else {
            next = JobStatus.QUEUED;
            int retry = job.infrastructureRetries + 1;
            setStatusAfterLoss(job, next, null);
            jdbc.update("update fine_tuning_jobs set attempt = greatest(attempt - 1, 0), infrastructure_retries = ? "
                    + "where id = ?", retry, job.id);
            events.warn(job.id, JobEventType.JOB_RESTARTED, "Re-queued after losing its worker (infrastructure retry "
                    + retry + " of " + maxInfrastructureRetries + "; it does not count against max_attempts); it "
                    + "resumes from its last checkpoint",
                    Map.of("infrastructure_retries", retry, "max_infrastructure_retries", maxInfrastructureRetries,
                            "attempt", job.attempt, "max_attempts", job.maxAttempts));
        }
        events.statusChanged(new JobStatusChanged(job.id, job.teamId, next));
    }

    private void setStatusAfterLoss(Expired job, JobStatus next, JobFailure failure) {
        jdbc.update("""
                update fine_tuning_jobs
                set status = ?, worker_id = null, lease_version = lease_version + 1, lease_expires_at = null,
                    requested_action = null, error_code = ?, error_message = ?, updated_at = now(),
                    finished_at = case when ? then now() else finished_at end
                where id = ? and lease_version = ?
                """, next.apiName(), failure == null ? null : failure.code(),
                failure == null ? null : failure.message(), next.isTerminal(), job.id, job.leaseVersion);
    }

    private boolean finish(Lease lease, JobStatus status, String extraSet, String errorCode, String errorMessage,
            JobEvent.Level level, JobEventType type, String message, Map<String, ?> data) {
        List<Long> team = jdbc.query("update fine_tuning_jobs set status = ?, " + extraSet + """
                error_code = ?, error_message = ?, lease_expires_at = null, requested_action = null,
                finished_at = case when ? then now() else finished_at end, updated_at = now()
                where id = ? and lease_version = ? and status = 'running'
                returning team_id
                """, (rs, n) -> rs.getLong(1), status.apiName(), errorCode, errorMessage, status.isTerminal(),
                lease.jobId(), lease.leaseVersion());
        if (team.isEmpty()) {
            return false;
        }
        events.record(lease.jobId(), level, type, message, data);
        events.statusChanged(new JobStatusChanged(lease.jobId(), team.getFirst(), status));
        return true;
    }

    /** Locks the job row if the lease holds, so a concurrent reaper cannot take the job mid-write. */
    private boolean lockLease(Lease lease) {
        return !jdbc.queryForList("select id from fine_tuning_jobs where id = ? and lease_version = ? "
                + "and status = 'running' for update", Long.class, lease.jobId(), lease.leaseVersion()).isEmpty();
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private record Expired(long id, long teamId, long leaseVersion, int attempt, int maxAttempts,
            int infrastructureRetries, Long workerId, String requestedAction) {
    }

    private static Expired expired(ResultSet rs, int n) throws SQLException {
        return new Expired(rs.getLong("id"), rs.getLong("team_id"), rs.getLong("lease_version"), rs.getInt("attempt"),
                rs.getInt("max_attempts"), rs.getInt("infrastructure_retries"), rs.getObject("worker_id", Long.class),
                rs.getString("requested_action"));
    }
}
