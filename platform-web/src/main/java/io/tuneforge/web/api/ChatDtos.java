package io.tuneforge.web.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import io.tuneforge.trainer.generate.StopReason;
import io.tuneforge.trainer.playground.ChatReply;
import io.tuneforge.trainer.playground.ChatSettings;
import io.tuneforge.trainer.playground.ChatTurn;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/** The JSON shapes of {@code /chat/completions}, as OpenAI's chat completions API defines them. */
final class ChatDtos {

    private ChatDtos() {
    }

    /** One message of a conversation. */
    record ChatMessage(@Schema(description = "system, user or assistant") String role, String content) {
    }

    /** {@code POST /chat/completions}: OpenAI's request, plus top_k, repetition_penalty and template. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ChatCompletionRequest(
            @Schema(description = "A base model's name (GET /models) or ft:<job id> for a succeeded job's tuned model",
                    example = "ft:42") String model,
            @Schema(description = "System messages first, then user and assistant turns, ending with a user message")
            List<ChatMessage> messages,
            @Schema(description = "0 = greedy (default 0.95)") Double temperature,
            @Schema(description = "Nucleus sampling mass (default 0.7)") Double topP,
            @Schema(description = "Top-k, 0 = off (default 0)") Integer topK,
            @Schema(description = "1 = off (default 1)") Double repetitionPenalty,
            @Schema(description = "Answer length limit in tokens (default 256)") Integer maxTokens,
            @Schema(description = "Seeds sampling for a repeatable answer") Long seed,
            @Schema(description = "A built-in chat template instead of the model's (or the one a job was trained "
                    + "with)") String template,
            @Schema(description = "Stream the answer as server-sent events (chat.completion.chunk)") Boolean stream) {

        boolean streaming() {
            return Boolean.TRUE.equals(stream);
        }

        /** The generation settings, the playground's defaults where a field is absent; system messages joined. */
        ChatSettings settings() {
            ChatSettings d = ChatSettings.defaults();
            return new ChatSettings(conversation().system(), Optional.ofNullable(template),
                    temperature == null ? d.temperature() : temperature, topP == null ? d.topP() : topP,
                    topK == null ? d.topK() : topK,
                    repetitionPenalty == null ? d.repetitionPenalty() : repetitionPenalty,
                    maxTokens == null ? d.maxNewTokens() : maxTokens,
                    seed == null ? OptionalLong.empty() : OptionalLong.of(seed));
        }

        /**
         * The messages as a conversation: leading system messages, then user/assistant pairs, then the new user
         * message.
         *
         * @throws IllegalArgumentException naming the message ({@code messages[i]}) that breaks the order
         */
        Conversation conversation() {
            if (messages == null || messages.isEmpty()) {
                throw new IllegalArgumentException("messages is empty: give at least one user message");
            }
            StringBuilder system = new StringBuilder();
            int i = 0;
            for (; i < messages.size() && "system".equals(role(i)); i++) {
                system.append(system.isEmpty() ? "" : "\n").append(content(i));
            }
            List<ChatTurn> history = new ArrayList<>();
            for (; i + 1 < messages.size(); i += 2) {
                expect(i, "user");
                expect(i + 1, "assistant");
                history.add(new ChatTurn(content(i), content(i + 1)));
            }
            if (i >= messages.size()) {
                throw new IllegalArgumentException("messages[" + (messages.size() - 1) + "]: the conversation must "
                        + "end with a user message");
            }
            expect(i, "user");
            return new Conversation(system.toString(), history, content(i));
        }

        private String role(int i) {
            ChatMessage message = messages.get(i);
            if (message == null || message.role() == null) {
                throw new IllegalArgumentException("messages[" + i + "].role is missing: system, user or assistant");
            }
            return message.role();
        }

        private String content(int i) {
            String content = messages.get(i).content();
            if (content == null) {
                throw new IllegalArgumentException("messages[" + i + "].content is missing");
            }
            return content;
        }

        private void expect(int i, String expected) {
            String role = role(i);
            if (!role.equals(expected)) {
                throw new IllegalArgumentException("messages[" + i + "].role is \"" + role + "\" where \"" + expected
                        + "\" is expected: after the system messages, user and assistant alternate and the last is "
                        + "user");
            }
        }
    }

    /**
     * A request's conversation.
     *
     * @param system  the system prompt (blank for none)
     * @param history the finished turns
     * @param message the new user message
     */
    record Conversation(String system, List<ChatTurn> history, String message) {
    }

    /** Tokens read and written. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Usage(int promptTokens, int completionTokens, int totalTokens) {
        static Usage of(ChatReply reply) {
            return new Usage(reply.promptTokens(), reply.tokens(), reply.promptTokens() + reply.tokens());
        }
    }

    /** The one answer of a completion. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Choice(int index, ChatMessage message, String finishReason) {
    }

    /** {@code chat.completion}. */
    record ChatCompletion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {
        static ChatCompletion of(String id, long created, String model, ChatReply reply) {
            return new ChatCompletion(id, "chat.completion", created, model,
                    List.of(new Choice(0, new ChatMessage("assistant", reply.text()),
                            finishReason(reply.stopReason()))), Usage.of(reply));
        }
    }

    /** A streamed piece: the role first, then content, then the finish reason (absent fields left out). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {
    }

    /** One choice of a chunk. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record ChunkChoice(int index, Delta delta, String finishReason) {
    }

    /** {@code chat.completion.chunk}, a server-sent event of a streamed completion. */
    record ChatChunk(String id, String object, long created, String model, List<ChunkChoice> choices) {
        static ChatChunk of(String id, long created, String model, Delta delta, String finishReason) {
            return new ChatChunk(id, "chat.completion.chunk", created, model,
                    List.of(new ChunkChoice(0, delta, finishReason)));
        }
    }

    /** OpenAI's finish reasons: {@code length} at the token limit, else {@code stop}. */
    static String finishReason(StopReason reason) {
        return reason == StopReason.MAX_TOKENS ? "length" : "stop";
    }
}
