package io.tuneforge.core.webhook;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One event on its way to one webhook: a row of the outbox, and its line in the hook's delivery log.
 *
 * @param id             delivery id
 * @param webhookId      the webhook
 * @param jobId          the job the event is about
 * @param eventId        the event's id (also in the body's {@code id}; the same for every hook and every retry)
 * @param sequence       the event's number within its job (the body's {@code sequence}), increasing
 * @param eventType      {@code fine_tuning.job.<status>}
 * @param status         pending (will be tried at {@code nextAttemptAt}), delivered, or failed (gave up)
 * @param attempts       tries so far
 * @param lastHttpStatus the receiver's last answer, if one came
 * @param lastError      why the last try failed, if it did
 * @param createdAt      when the event happened
 * @param nextAttemptAt  when a pending delivery is tried next
 * @param deliveredAt    when the receiver accepted it
 */
public record WebhookDelivery(long id, long webhookId, long jobId, UUID eventId, long sequence, String eventType,
        Status status, int attempts, Optional<Integer> lastHttpStatus, Optional<String> lastError, Instant createdAt,
        Optional<Instant> nextAttemptAt, Optional<Instant> deliveredAt) {

    /** Where a delivery stands. */
    public enum Status {
        PENDING,
        DELIVERED,
        FAILED
    }
}
