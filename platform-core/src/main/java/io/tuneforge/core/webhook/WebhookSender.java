package io.tuneforge.core.webhook;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the outbox ({@code webhook_deliveries}). One due delivery at a time is taken with {@code FOR UPDATE SKIP
 * LOCKED} (so several processes may send) and only when no earlier event of the same job is pending for the same hook,
 * which keeps each job's events in order per hook. A failed try is retried with exponential backoff
 * ({@link WebhookSettings#backoffAfter}) until {@link WebhookSettings#retryFor()} has passed since the event, then
 * marked failed; later events of that job then go on. Every try resolves the host again and checks the address
 * ({@link WebhookUrlPolicy#checkDelivery}) before connecting to exactly that address.
 */
@Component
class WebhookSender implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    private static final int ERROR_LENGTH = 500;

    private static final String NEXT_DUE = """
            select d.id, d.body, d.event_id, d.attempts, d.created_at, w.url, w.secret, w.secret_encrypted
            from webhook_deliveries d
            join webhooks w on w.id = d.webhook_id
            where d.status = 'pending' and d.next_attempt_at <= now() and w.enabled
              and not exists (select 1 from webhook_deliveries e
                              where e.webhook_id = d.webhook_id and e.job_id = d.job_id and e.status = 'pending'
                                and e.sequence < d.sequence)
            order by d.next_attempt_at, d.id
            limit 1
            for update of d skip locked
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final WebhookSettings settings;
    private final WebhookUrlPolicy policy;
    private final WebhookSecrets secrets;
    private ScheduledExecutorService scheduler;

    WebhookSender(JdbcTemplate jdbc, TransactionTemplate transactions, WebhookSettings settings,
            WebhookUrlPolicy policy, WebhookSecrets secrets) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.settings = settings;
        this.policy = policy;
        this.secrets = secrets;
    }

    private record Due(long id, String body, String eventId, int attempts, Instant createdAt, String url,
            String secret) {
    }

    @Override
    public synchronized void start() {
        if (!settings.senderEnabled()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("webhook-sender")
                .factory());
        long every = settings.pollInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::sendAllDue, every, every, TimeUnit.MILLISECONDS);
    }

    /** Looks at the outbox now rather than at the next poll. */
    synchronized void wakeUp() {
        if (scheduler != null) {
            scheduler.execute(this::sendAllDue);
        }
    }

    /** Sends due deliveries until none is left; returns how many were tried. */
    int sendAllDue() {
        int tried = 0;
        try {
            while (Boolean.TRUE.equals(transactions.execute(status -> sendNextDue()))) {
                tried++;
            }
        } catch (RuntimeException e) {
            log.warn("Webhook outbox could not be read (will retry): {}", e.getMessage());
        }
        return tried;
    }

    private boolean sendNextDue() {
        List<Due> due = jdbc.query(NEXT_DUE, (rs, n) -> new Due(rs.getLong("id"), rs.getString("body"),
                rs.getString("event_id"), rs.getInt("attempts"), rs.getTimestamp("created_at").toInstant(),
                rs.getString("url"), rs.getBoolean("secret_encrypted") ? secrets.decrypt(rs.getString("secret"))
                        : rs.getString("secret")));
        if (due.isEmpty()) {
            return false;
        }
        Due d = due.getFirst();
        Integer httpStatus = null;
        String error;
        try {
            httpStatus = post(d);
            error = httpStatus / 100 == 2 ? null : "HTTP " + httpStatus;
        } catch (WebhookUrlException e) {
            error = "refused: " + e.getMessage();
        } catch (IOException e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        if (error == null) {
            jdbc.update("update webhook_deliveries set status = 'delivered', attempts = attempts + 1, "
                    + "last_http_status = ?, last_error = null, delivered_at = now() where id = ?", httpStatus, d.id());
            return true;
        }
        int attempts = d.attempts() + 1;
        Instant next = Instant.now().plus(settings.backoffAfter(attempts));
        boolean giveUp = next.isAfter(d.createdAt().plus(settings.retryFor()));
        log.warn("Webhook {} delivery {} failed (try {}): {}{}", d.url(), d.id(), attempts, error,
                giveUp ? "; giving up" : "; next try at " + next);
        jdbc.update("update webhook_deliveries set status = ?, attempts = ?, last_http_status = ?, last_error = ?, "
                + "next_attempt_at = ? where id = ?", giveUp ? "failed" : "pending", attempts, httpStatus,
                error.length() > ERROR_LENGTH ? error.substring(0, ERROR_LENGTH) : error, Timestamp.from(next), d.id());
        return true;
    }

    private int post(Due d) throws IOException {
        URI uri = URI.create(d.url());
        InetAddress address = policy.checkDelivery(uri);
        byte[] body = d.body().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "TuneForge-Webhooks/2");
        headers.put("X-TuneForge-Event-Id", d.eventId());
        headers.put(WebhookSignature.HEADER, WebhookSignature.sign(d.secret(), body));
        return PinnedHttpPost.send(uri, address, headers, body, settings.connectTimeout(), settings.readTimeout());
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
