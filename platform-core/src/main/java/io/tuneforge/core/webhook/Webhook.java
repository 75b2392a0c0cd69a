package io.tuneforge.core.webhook;

import java.time.Instant;

/**
 * An endpoint told about a team's job status changes. The signing secret is never part of it: it is shown once, in
 * {@link CreatedWebhook}, and stored encrypted.
 *
 * @param id         id
 * @param teamId     the team whose jobs it follows
 * @param url        where deliveries are POSTed
 * @param secretHint the secret's prefix and last four characters ({@code whsec_…1a2b}), to tell secrets apart
 * @param enabled    deliveries on/off
 * @param createdAt  registration time
 */
public record Webhook(long id, long teamId, String url, String secretHint, boolean enabled, Instant createdAt) {
}
