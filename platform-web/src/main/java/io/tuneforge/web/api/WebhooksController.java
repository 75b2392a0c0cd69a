package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.webhook.CreatedWebhook;
import io.tuneforge.core.webhook.Webhook;
import io.tuneforge.core.webhook.WebhookDelivery;
import io.tuneforge.core.webhook.WebhookNotFoundException;
import io.tuneforge.core.webhook.WebhookService;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * {@code /api/v1/webhooks}: the team's endpoints told about job status changes. Each delivery is a POST signed with
 * {@code X-TuneForge-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>}; the secret is in the answer to the
 * registration only. Deliveries are retried with backoff and logged per hook ({@code GET /{id}/deliveries}).
 */
@RestController
@RequestMapping("/api/v1/webhooks")
@Tag(name = "Webhooks")
@SecurityRequirement(name = "bearer")
class WebhooksController {

    /** {@code POST /webhooks} body. */
    record CreateWebhook(String url) {
    }

    /** A webhook as listed: the secret only as its hint. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record WebhookView(long id, String object, String url, String secretHint, boolean enabled, long createdAt) {

        static WebhookView of(Webhook w) {
            return new WebhookView(w.id(), "webhook", w.url(), w.secretHint(), w.enabled(),
                    w.createdAt().getEpochSecond());
        }
    }

    /** The answer to a registration: the one time the secret is shown. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record CreatedWebhookView(long id, String object, String url, String secret, String secretHint, boolean enabled,
            long createdAt) {

        static CreatedWebhookView of(CreatedWebhook created) {
            Webhook w = created.webhook();
            return new CreatedWebhookView(w.id(), "webhook", w.url(), created.secret(), w.secretHint(), w.enabled(),
                    w.createdAt().getEpochSecond());
        }
    }

    /** A line of a hook's delivery log. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record DeliveryView(long id, String object, long webhookId, long jobId, String eventId, long sequence,
            String eventType, String status, int attempts, Integer lastHttpStatus, String lastError, long createdAt,
            Long nextAttemptAt, Long deliveredAt) {

        static DeliveryView of(WebhookDelivery d) {
            return new DeliveryView(d.id(), "webhook.delivery", d.webhookId(), d.jobId(), d.eventId().toString(),
                    d.sequence(), d.eventType(), d.status().name().toLowerCase(Locale.ROOT), d.attempts(),
                    d.lastHttpStatus().orElse(null), d.lastError().orElse(null), d.createdAt().getEpochSecond(),
                    d.nextAttemptAt().map(java.time.Instant::getEpochSecond).orElse(null),
                    d.deliveredAt().map(java.time.Instant::getEpochSecond).orElse(null));
        }
    }

    private final WebhookService webhooks;
    private final ApiCaller caller;

    WebhooksController(WebhookService webhooks, ApiCaller caller) {
        this.webhooks = webhooks;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register an endpoint for your team; the answer carries the signing secret, shown only once")
    CreatedWebhookView create(@RequestBody CreateWebhook request) {
        Actor actor = caller.get();
        actor.requireWriter();
        return CreatedWebhookView.of(webhooks.register(actor.teamId(), request.url()));
    }

    @GetMapping
    @Operation(summary = "Your team's webhooks (secrets as hints)")
    ListResponse<WebhookView> list() {
        return ListResponse.of(webhooks.enabledFor(caller.get().teamId()).stream().map(WebhookView::of).toList(),
                false);
    }

    @GetMapping("/{id}")
    @Operation(summary = "One of your team's webhooks (the secret as a hint)")
    WebhookView get(@PathVariable long id) {
        return webhooks.find(caller.get().teamId(), id).map(WebhookView::of)
                .orElseThrow(() -> new WebhookNotFoundException(id));
    }

    @GetMapping("/{id}/deliveries")
    @Operation(summary = "The webhook's delivery log, newest first: status, attempts, last error, next attempt")
    ListResponse<DeliveryView> deliveries(@PathVariable long id) {
        return ListResponse.of(webhooks.deliveries(caller.get().teamId(), id).stream().map(DeliveryView::of)
                .toList(), false);
    }

    @PostMapping("/{id}/deliveries/{deliveryId}/redeliver")
    @Operation(summary = "Send a delivery again now (same event id)")
    DeliveryView redeliver(@PathVariable long id, @PathVariable long deliveryId) {
        Actor actor = caller.get();
        actor.requireWriter();
        return DeliveryView.of(webhooks.redeliver(actor.teamId(), id, deliveryId));
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Remove one of your team's webhooks")
    ResponseEntity<Void> delete(@PathVariable long id) {
        Actor actor = caller.get();
        actor.requireWriter();
        if (!webhooks.delete(actor.teamId(), id)) {
            throw new WebhookNotFoundException(id);
        }
        return ResponseEntity.noContent().build();
    }
}
