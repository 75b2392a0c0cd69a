package io.tuneforge.core.webhook;

/** No such webhook, or another team's: both read alike, so that ids reveal nothing about other teams. */
public class WebhookNotFoundException extends RuntimeException {

    public WebhookNotFoundException(long webhookId) {
        super("Webhook " + webhookId + " does not exist or belongs to another team.");
    }
}
