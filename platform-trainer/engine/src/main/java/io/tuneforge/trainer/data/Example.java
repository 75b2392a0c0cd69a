package io.tuneforge.trainer.data;

import io.tuneforge.trainer.template.ChatMessage;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One dataset row in the common conversation model every format is read into.
 *
 * @param kind     what the row trains (chat, classification, text, preference)
 * @param messages the conversation, system message first when there is one. CHAT and CLASSIFICATION end with an
 *                 assistant turn; PREFERENCE holds the prompt only (ends with a user or tool turn); TEXT holds one
 *                 {@code assistant} message with the whole text
 * @param tools    tool definitions offered to the model in this row (JSON-like maps), empty for none
 * @param chosen   PREFERENCE only: the preferred answer (an assistant message)
 * @param rejected PREFERENCE only: the dispreferred answer (an assistant message)
 * @param label    CLASSIFICATION: the label as text; rows with a KTO tag: {@code true}/{@code false}
 */
public record Example(ExampleKind kind, List<ChatMessage> messages, List<Map<String, Object>> tools,
        Optional<ChatMessage> chosen, Optional<ChatMessage> rejected, Optional<String> label) {

    public Example {
        Objects.requireNonNull(kind, "kind");
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        chosen = chosen == null ? Optional.empty() : chosen;
        rejected = rejected == null ? Optional.empty() : rejected;
        label = label == null ? Optional.empty() : label;
    }

    /** A supervised conversation. */
    public static Example chat(List<ChatMessage> messages, List<Map<String, Object>> tools) {
        return new Example(ExampleKind.CHAT, messages, tools, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Plain text for continued pre-training. */
    public static Example text(String text) {
        return new Example(ExampleKind.TEXT, List.of(ChatMessage.of("assistant", text)), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A classification row: user turn = text, assistant turn = label. */
    public static Example classification(String text, String label) {
        return new Example(ExampleKind.CLASSIFICATION,
                List.of(ChatMessage.of("user", text), ChatMessage.of("assistant", label)), List.of(),
                Optional.empty(), Optional.empty(), Optional.of(label));
    }

    /** A preference pair: the prompt conversation and the two answers. */
    public static Example preference(List<ChatMessage> prompt, List<Map<String, Object>> tools, ChatMessage chosen,
            ChatMessage rejected) {
        return new Example(ExampleKind.PREFERENCE, prompt, tools, Optional.of(chosen), Optional.of(rejected),
                Optional.empty());
    }

    /** The same example with other messages (used by preparation steps that rewrite text). */
    public Example withMessages(List<ChatMessage> newMessages, Optional<ChatMessage> newChosen,
            Optional<ChatMessage> newRejected) {
        return new Example(kind, newMessages, tools, newChosen, newRejected, label);
    }

    /** The same example with a label (KTO tag or class). */
    public Example withLabel(String newLabel) {
        return new Example(kind, messages, tools, chosen, rejected, Optional.of(newLabel));
    }

    /** The system prompt, when the first message is a system message. */
    public Optional<String> system() {
        return !messages.isEmpty() && messages.getFirst().role().equals("system")
                ? Optional.of(messages.getFirst().content()) : Optional.empty();
    }

    /** Total characters of all message contents (and answers): the length measure when no tokenizer is given. */
    public int characterCount() {
        int n = 0;
        for (ChatMessage m : messages) {
            n += m.content().codePointCount(0, m.content().length());
        }
        n += chosen.map(m -> m.content().codePointCount(0, m.content().length())).orElse(0);
        n += rejected.map(m -> m.content().codePointCount(0, m.content().length())).orElse(0);
        return n;
    }
}
