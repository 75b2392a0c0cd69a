package io.tuneforge.core.webhook;

import java.time.Duration;
import java.util.List;

/**
 * How webhooks are checked and delivered ({@code tuneforge.webhooks.*}).
 *
 * @param allowedHosts   host names or addresses that may be internal (loopback, private, the platform's ports),
 *                       for receivers inside the network; {@code TUNEFORGE_WEBHOOK_ALLOWED_HOSTS}, comma-separated
 * @param initialBackoff wait after the first failed try; doubled after every further one
 * @param maxBackoff     longest wait between two tries
 * @param retryFor       how long after the event tries go on before the delivery is marked failed (at least a day)
 * @param pollInterval   how often the outbox is read for due deliveries
 * @param connectTimeout longest wait for the receiver's connection
 * @param readTimeout    longest wait for the receiver's answer
 * @param senderEnabled  whether this process sends (the web application does; trainer workers only write the outbox)
 */
public record WebhookSettings(List<String> allowedHosts, Duration initialBackoff, Duration maxBackoff,
        Duration retryFor, Duration pollInterval, Duration connectTimeout, Duration readTimeout,
        boolean senderEnabled) {

    /** Wait before try {@code attempts + 1} after {@code attempts} failed ones. */
    Duration backoffAfter(int attempts) {
        Duration wait = initialBackoff;
        for (int i = 1; i < attempts && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
