package io.tuneforge.core.webhook;

/**
 * A webhook just registered, with its signing secret: the only time the secret leaves the platform.
 *
 * @param webhook the registered webhook
 * @param secret  HMAC secret for {@link WebhookSignature}; keep it, it is never shown again
 */
public record CreatedWebhook(Webhook webhook, String secret) {
}
