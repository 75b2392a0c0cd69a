package io.tuneforge.core.webhook;

import io.tuneforge.core.job.JobStatusChanged;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers job status changes to the team's webhooks once the change is committed, off the caller's thread:
 * {@code POST} of {@code {"type": "fine_tuning.job.<status>", "created_at": ..., "data": {"id", "team_id",
 * "status"}}} with {@code X-TuneForge-Signature: sha256=<HMAC-SHA256(secret, body)>}. Up to three tries with
 * backoff; failures are logged, never block the queue.
 */
@Component
class WebhookDispatcher {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TRIES = 3;

    private final WebhookService webhooks;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    WebhookDispatcher(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @TransactionalEventListener(fallbackExecution = true)
    void onStatusChanged(JobStatusChanged change) {
        for (Webhook hook : webhooks.enabledFor(change.teamId())) {
            byte[] body = body(change);
            executor.submit(() -> deliver(hook, body));
        }
    }

    static byte[] body(JobStatusChanged change) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", change.jobId());
        data.put("team_id", change.teamId());
        data.put("status", change.status().apiName());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "fine_tuning.job." + change.status().apiName());
        event.put("created_at", Instant.now().getEpochSecond());
        event.put("data", data);
        return JSON.writeValueAsString(event).getBytes(StandardCharsets.UTF_8);
    }

    private void deliver(Webhook hook, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(hook.url()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("User-Agent", "TuneForge-Webhooks/1")
                .header(WebhookSignature.HEADER, WebhookSignature.sign(hook.secret(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        for (int attempt = 1; attempt <= TRIES; attempt++) {
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status / 100 == 2) {
                    return;
                }
                log.warn("Webhook {} answered HTTP {} (try {} of {})", hook.url(), status, attempt, TRIES);
            } catch (java.io.IOException e) {
                log.warn("Webhook {} unreachable: {} (try {} of {})", hook.url(), e.getMessage(), attempt, TRIES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sleep(Duration.ofSeconds(attempt * 2L));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
