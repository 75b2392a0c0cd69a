package io.tuneforge.trainer.template;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation as a chat template sees it.
 *
 * @param role    {@code system}, {@code user}, {@code assistant} or {@code tool} (templates may know others)
 * @param content the text of the message; may be empty, never null
 * @param extra   further fields templates read ({@code tool_calls}, {@code reasoning_content}, {@code name}, ...),
 *                as JSON-like values (String, Number, Boolean, List, Map, null); insertion order is kept
 */
public record ChatMessage(String role, String content, Map<String, Object> extra) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = content == null ? "" : content;
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, content, Map.of());
    }

    /** The message as the map a Jinja template iterates over: {@code role}, {@code content}, then the extras. */
    public Map<String, Object> asTemplateValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", role);
        value.put("content", content);
        value.putAll(extra);
        return value;
    }
}
