package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.playground.ChatListener;
import io.tuneforge.trainer.playground.ChatReply;
import io.tuneforge.trainer.playground.ModelChoice;
import io.tuneforge.trainer.playground.PlaygroundException;
import io.tuneforge.trainer.playground.PlaygroundService;
import io.tuneforge.trainer.playground.RunningChat;
import io.tuneforge.web.api.ChatDtos.ChatChunk;
import io.tuneforge.web.api.ChatDtos.ChatCompletion;
import io.tuneforge.web.api.ChatDtos.ChatCompletionRequest;
import io.tuneforge.web.api.ChatDtos.Conversation;
import io.tuneforge.web.api.ChatDtos.Delta;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /api/v1/chat/completions}: OpenAI's chat completions API over the playground's models, so that scripts and
 * OpenAI clients can talk to a base model or a succeeded job's tuned model ({@code ft:<job id>}) with its chat
 * template applied, whole or streamed as server-sent events.
 */
@RestController
@RequestMapping("/api/v1/chat/completions")
@Tag(name = "Chat")
@SecurityRequirement(name = "bearer")
class ChatCompletionsController {

    /** The longest a request may take, model loading included. */
    static final Duration LIMIT = Duration.ofMinutes(10);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PlaygroundService playground;
    private final ApiCaller caller;

    ChatCompletionsController(PlaygroundService playground, ApiCaller caller) {
        this.playground = playground;
        this.caller = caller;
    }

    @PostMapping(produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.TEXT_EVENT_STREAM_VALUE})
    @Operation(summary = "Answer a conversation with a base model or ft:<job id>; stream=true sends "
            + "chat.completion.chunk events and [DONE]")
    Object create(@RequestBody ChatCompletionRequest request) throws Exception {
        Actor actor = caller.get();
        ModelChoice choice = playground.modelNamed(actor, request.model());
        Conversation conversation = request.conversation();
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        if (request.streaming()) {
            return stream(actor, choice, request, conversation, id, created);
        }
        CompletableFuture<ChatReply> reply = new CompletableFuture<>();
        RunningChat running = start(actor, choice, request, conversation, new ChatListener() {
            @Override
            public void onText(String piece) {
            }

            @Override
            public void onFinished(ChatReply finished) {
                reply.complete(finished);
            }

            @Override
            public void onFailed(String message) {
                reply.completeExceptionally(new PlaygroundException(message));
            }
        });
        try {
            return ChatCompletion.of(id, created, request.model(), reply.get(LIMIT.toSeconds(), TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            throw (RuntimeException) e.getCause();
        } catch (TimeoutException e) {
            running.stop();
            throw new PlaygroundException("No answer within " + LIMIT.toMinutes() + " minutes: ask for fewer "
                    + "max_tokens or use stream=true");
        }
    }

    /** Streams the answer: a role chunk, content chunks, a chunk with the finish reason, then {@code [DONE]}. */
    private SseEmitter stream(Actor actor, ModelChoice choice, ChatCompletionRequest request,
            Conversation conversation, String id, long created) {
        SseEmitter emitter = new SseEmitter(LIMIT.toMillis());
        String model = request.model();
        send(emitter, ChatChunk.of(id, created, model, new Delta("assistant", ""), null));
        RunningChat running = start(actor, choice, request, conversation, new ChatListener() {
            @Override
            public void onText(String piece) {
                send(emitter, ChatChunk.of(id, created, model, new Delta(null, piece), null));
            }

            @Override
            public void onFinished(ChatReply reply) {
                send(emitter, ChatChunk.of(id, created, model, new Delta(null, null),
                        ChatDtos.finishReason(reply.stopReason())));
                sendRaw(emitter, "[DONE]");
                emitter.complete();
            }

            @Override
            public void onFailed(String message) {
                sendRaw(emitter, JSON.writeValueAsString(Map.of("error", Map.of("message", message,
                        "type", "generation_failed"))));
                emitter.complete();
            }
        });
        emitter.onTimeout(running::stop);
        emitter.onError(e -> running.stop());
        return emitter;
    }

    private RunningChat start(Actor actor, ModelChoice choice, ChatCompletionRequest request,
            Conversation conversation, ChatListener listener) {
        try {
            return playground.start(actor, choice, request.settings(), conversation.history(),
                    conversation.message(), listener);
        } catch (AccessRefusedException e) {
            if (choice instanceof ModelChoice.Tuned tuned) {
                throw new JobNotFoundException(tuned.jobId());        // another team's job: as absent, as elsewhere
            }
            throw e;
        }
    }

    private static void send(SseEmitter emitter, ChatChunk chunk) {
        sendRaw(emitter, JSON.writeValueAsString(chunk));
    }

    /** Sends one {@code data:} event; a client that went away ends the emitter (and so the answer). */
    private static void sendRaw(SseEmitter emitter, String data) {
        try {
            emitter.send(SseEmitter.event().data(data, MediaType.TEXT_PLAIN));
        } catch (IOException | IllegalStateException e) {
            emitter.completeWithError(e);
        }
    }
}
