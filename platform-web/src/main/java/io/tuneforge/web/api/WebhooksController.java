package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.webhook.Webhook;
import io.tuneforge.core.webhook.WebhookNotFoundException;
import io.tuneforge.core.webhook.WebhookService;
import io.tuneforge.web.api.ApiDtos.ListResponse;
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

/**
 * {@code /api/v1/webhooks}: the team's endpoints told about job status changes. Each delivery is a POST signed with
 * {@code X-TuneForge-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>}.
 */
@RestController
@RequestMapping("/api/v1/webhooks")
@Tag(name = "Webhooks")
@SecurityRequirement(name = "bearer")
class WebhooksController {

    /** {@code POST /webhooks} body. */
    record CreateWebhook(String url) {
    }

    private final WebhookService webhooks;
    private final ApiCaller caller;

    WebhooksController(WebhookService webhooks, ApiCaller caller) {
        this.webhooks = webhooks;
        this.caller = caller;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register an endpoint for your team; the answer carries the signing secret")
    Webhook create(@RequestBody CreateWebhook request) {
        Actor actor = caller.get();
        actor.requireWriter();
        return webhooks.register(actor.teamId(), request.url());
    }

    @GetMapping
    @Operation(summary = "Your team's webhooks")
    ListResponse<Webhook> list() {
        return ListResponse.of(webhooks.enabledFor(caller.get().teamId()), false);
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
