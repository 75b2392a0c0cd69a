package io.tuneforge.core.job;

import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a job's events (in the caller's transaction) and announces status changes. Every transition of the queue
 * and the lifecycle goes through here, so the event log is the job's complete history.
 *
 * <p>{@link #statusChanged(JobStatusChanged)} is the one place that publishes {@link JobStatusChanged}: services
 * reach it through {@link #announce(FineTuningJob)} with the changes the entity recorded, the queue's single
 * statements ({@link JobQueue}) call it directly with the row their statement returned.
 */
@Component
public class JobEvents {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ApplicationEventPublisher publisher;

    JobEvents(JdbcTemplate jdbc, ApplicationEventPublisher publisher) {
        this.jdbc = jdbc;
        this.publisher = publisher;
    }

    /** Records one event; {@code data} becomes the event's JSON (empty map: none). */
    public void record(long jobId, JobEvent.Level level, JobEventType type, String message, Map<String, ?> data) {
        jdbc.update("insert into job_events (job_id, level, type, message, data) values (?, ?, ?, ?, ?::jsonb)",
                jobId, level.name().toLowerCase(java.util.Locale.ROOT), type.name(), message,
                data.isEmpty() ? null : JSON.writeValueAsString(data));
    }

    public void info(long jobId, JobEventType type, String message, Map<String, ?> data) {
        record(jobId, JobEvent.Level.INFO, type, message, data);
    }

    public void warn(long jobId, JobEventType type, String message, Map<String, ?> data) {
        record(jobId, JobEvent.Level.WARN, type, message, data);
    }

    public void error(long jobId, JobEventType type, String message, Map<String, ?> data) {
        record(jobId, JobEvent.Level.ERROR, type, message, data);
    }

    /** Announces the status changes made through the entity's methods since the last announcement. */
    void announce(FineTuningJob job) {
        job.takeStatusChanges().forEach(this::statusChanged);
    }

    /**
     * Announces one status change to listeners (the webhook outbox is written in the transaction, the UI acts once it
     * commits) and, for a job that joined the queue, wakes idle workers.
     */
    void statusChanged(JobStatusChanged change) {
        publisher.publishEvent(change);
        if (change.status() == JobStatus.QUEUED) {
            notifyQueued(change.jobId());
        }
    }

    /** Wakes idle workers: delivered by PostgreSQL to every listener when the transaction commits. */
    public void notifyQueued(long jobId) {
        jdbc.queryForList("select pg_notify(?, ?)", QueueChannels.JOB_QUEUED, Long.toString(jobId));
    }

    /** Tells the worker holding the job to heartbeat now (a cancel or pause was requested). */
    public void notifyControl(long jobId) {
        jdbc.queryForList("select pg_notify(?, ?)", QueueChannels.JOB_CONTROL, Long.toString(jobId));
    }
}
