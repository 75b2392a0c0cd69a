package io.tuneforge.core.webhook;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Registering and listing a team's webhooks, their delivery log and manual redelivery. The secret is returned once,
 * by {@link #register}; afterwards only its hint.
 */
@Service
public class WebhookService implements ApplicationRunner {

    /** Longest URL stored (the {@code webhooks.url} column). */
    public static final int MAX_URL_LENGTH = WebhookUrlPolicy.MAX_URL_LENGTH;

    /** Most delivery-log lines returned at once. */
    public static final int DELIVERY_LOG_LIMIT = 100;

    private final JdbcTemplate jdbc;
    private final WebhookUrlPolicy policy;
    private final WebhookSecrets secrets;
    private final WebhookSender sender;
    private final WebhookSettings settings;

    WebhookService(JdbcTemplate jdbc, WebhookUrlPolicy policy, WebhookSecrets secrets, WebhookSender sender,
            WebhookSettings settings) {
        this.settings = settings;
        this.jdbc = jdbc;
        this.policy = policy;
        this.secrets = secrets;
        this.sender = sender;
    }

    /**
     * Registers an endpoint for a team with a fresh random secret, returned here and never again.
     *
     * @throws WebhookUrlException when the URL is missing, too long, not http(s), or points at an internal address
     */
    @Transactional
    public CreatedWebhook register(long teamId, String url) {
        policy.checkRegistration(url);
        String secret = WebhookSecrets.newSecret();
        Long id = jdbc.queryForObject("""
                insert into webhooks (team_id, url, secret, secret_encrypted, secret_hint)
                values (?, ?, ?, true, ?) returning id
                """, Long.class, teamId, url, secrets.encrypt(secret), WebhookSecrets.hint(secret));
        return new CreatedWebhook(find(teamId, id).orElseThrow(), secret);
    }

    /** Enabled webhooks of a team. */
    @Transactional(readOnly = true)
    public List<Webhook> enabledFor(long teamId) {
        return jdbc.query("select * from webhooks where team_id = ? and enabled order by id", WebhookService::row,
                teamId);
    }

    /** One of the team's webhooks; empty when there is none or it is another team's. */
    @Transactional(readOnly = true)
    public Optional<Webhook> find(long teamId, long webhookId) {
        return jdbc.query("select * from webhooks where id = ? and team_id = ?", WebhookService::row, webhookId,
                teamId).stream().findFirst();
    }

    /** Removes a team's webhook (and its delivery log); false when it is not that team's. */
    @Transactional
    public boolean delete(long teamId, long webhookId) {
        return jdbc.update("delete from webhooks where id = ? and team_id = ?", webhookId, teamId) > 0;
    }

    /**
     * The hook's delivery log, newest first, at most {@link #DELIVERY_LOG_LIMIT} lines.
     *
     * @throws WebhookNotFoundException when the hook is not the team's
     */
    @Transactional(readOnly = true)
    public List<WebhookDelivery> deliveries(long teamId, long webhookId) {
        requireOwn(teamId, webhookId);
        return jdbc.query("select * from webhook_deliveries where webhook_id = ? order by id desc limit ?",
                WebhookService::delivery, webhookId, DELIVERY_LOG_LIMIT);
    }

    /**
     * Sends a delivery again, now (the same event id, so that receivers can tell it is a repeat); a failed one gets a
     * fresh retry period.
     *
     * @throws WebhookNotFoundException when the hook is not the team's or the delivery not the hook's
     */
    @Transactional
    public WebhookDelivery redeliver(long teamId, long webhookId, long deliveryId) {
        requireOwn(teamId, webhookId);
        List<WebhookDelivery> updated = jdbc.query("""
                update webhook_deliveries
                set status = 'pending', next_attempt_at = now(), created_at = case when status = 'failed'
                    then now() else created_at end
                where id = ? and webhook_id = ?
                returning *
                """, WebhookService::delivery, deliveryId, webhookId);
        if (updated.isEmpty()) {
            throw new WebhookNotFoundException(webhookId);
        }
        sender.wakeUp();
        return updated.getFirst();
    }

    /** Encrypts secrets stored in plain text before this version (in the process that sends, which holds the key). */
    @Override
    public void run(ApplicationArguments args) {
        if (!settings.senderEnabled()) {
            return;
        }
        jdbc.query("select id, secret from webhooks where not secret_encrypted", (ResultSet rs) -> {
            String plain = rs.getString("secret");
            jdbc.update("update webhooks set secret = ?, secret_encrypted = true, secret_hint = ? where id = ?",
                    secrets.encrypt(plain), WebhookSecrets.hint(plain), rs.getLong("id"));
        });
    }

    private void requireOwn(long teamId, long webhookId) {
        if (find(teamId, webhookId).isEmpty()) {
            throw new WebhookNotFoundException(webhookId);
        }
    }

    private static Webhook row(ResultSet rs, int n) throws SQLException {
        String hint = rs.getString("secret_hint");
        return new Webhook(rs.getLong("id"), rs.getLong("team_id"), rs.getString("url"),
                hint == null ? "whsec_…" : hint, rs.getBoolean("enabled"), rs.getTimestamp("created_at").toInstant());
    }

    static WebhookDelivery delivery(ResultSet rs, int n) throws SQLException {
        int http = rs.getInt("last_http_status");
        Optional<Integer> lastHttp = rs.wasNull() ? Optional.empty() : Optional.of(http);
        WebhookDelivery.Status status = WebhookDelivery.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT));
        return new WebhookDelivery(rs.getLong("id"), rs.getLong("webhook_id"), rs.getLong("job_id"),
                rs.getObject("event_id", UUID.class), rs.getLong("sequence"), rs.getString("event_type"), status,
                rs.getInt("attempts"), lastHttp, Optional.ofNullable(rs.getString("last_error")),
                rs.getTimestamp("created_at").toInstant(),
                status == WebhookDelivery.Status.PENDING
                        ? Optional.of(rs.getTimestamp("next_attempt_at").toInstant()) : Optional.empty(),
                Optional.ofNullable(rs.getTimestamp("delivered_at")).map(Timestamp::toInstant));
    }
}
