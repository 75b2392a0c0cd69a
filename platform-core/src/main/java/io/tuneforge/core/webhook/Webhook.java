package io.tuneforge.core.webhook;

import java.time.Instant;

/**
 * An endpoint told about a team's job status changes.
 *
 * @param id        id
 * @param teamId    the team whose jobs it follows
 * @param url       where deliveries are POSTed
 * @param secret    HMAC secret for {@link WebhookSignature}
 * @param enabled   deliveries on/off
 * @param createdAt registration time
 */
public record Webhook(long id, long teamId, String url, String secret, boolean enabled, Instant createdAt) {
}
