package io.tuneforge.core.webhook;

import io.tuneforge.core.job.JobStatusChanged;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes each job status change into the webhook outbox, in the transaction that makes the change: it is delivered
 * if and only if the change commits, and survives restarts ({@link WebhookSender} sends it). The body is
 * {@code {"id": <event uuid>, "type": "fine_tuning.job.<status>", "created_at": ..., "sequence": n, "data": {"id",
 * "team_id", "status"}}}; {@code sequence} counts the job's events (taken under the job's sequence row lock, so it
 * follows commit order), and receivers de-duplicate by {@code id}.
 */
@Component
class WebhookDispatcher {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;

    WebhookDispatcher(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @TransactionalEventListener(phase = TransactionPhase.BEFORE_COMMIT, fallbackExecution = true)
    void onStatusChanged(JobStatusChanged change) {
        List<Long> hooks = jdbc.queryForList("select id from webhooks where team_id = ? and enabled order by id",
                Long.class, change.teamId());
        if (hooks.isEmpty()) {
            return;
        }
        Long sequence = jdbc.queryForObject("""
                insert into webhook_job_sequences (job_id, last_seq) values (?, 1)
                on conflict (job_id) do update set last_seq = webhook_job_sequences.last_seq + 1
                returning last_seq
                """, Long.class, change.jobId());
        UUID eventId = UUID.randomUUID();
        String type = "fine_tuning.job." + change.status().apiName();
        String body = body(eventId, sequence, change);
        for (long hook : hooks) {
            jdbc.update("""
                    insert into webhook_deliveries (webhook_id, job_id, event_id, sequence, event_type, body)
                    values (?, ?, ?, ?, ?, ?)
                    """, hook, change.jobId(), eventId, sequence, type, body);
        }
    }

    static String body(UUID eventId, long sequence, JobStatusChanged change) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", change.jobId());
        data.put("team_id", change.teamId());
        data.put("status", change.status().apiName());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", eventId.toString());
        event.put("type", "fine_tuning.job." + change.status().apiName());
        event.put("created_at", Instant.now().getEpochSecond());
        event.put("sequence", sequence);
        event.put("data", data);
        return JSON.writeValueAsString(event);
    }
}
