package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;

import java.util.Map;
import java.util.Set;

/**
 * The role and content keys of conversation turns, LLaMA-Factory's {@code tags} of a ShareGPT entry.
 *
 * @param roleTag        key of a turn's role ({@code from})
 * @param contentTag     key of a turn's text ({@code value})
 * @param userTag        role value of user turns ({@code human})
 * @param assistantTag   role value of assistant turns ({@code gpt})
 * @param observationTag role value of tool results ({@code observation})
 * @param functionTag    role value of tool calls made by the assistant ({@code function_call})
 * @param systemTag      role value of a leading system turn ({@code system})
 */
public record ShareGptTags(String roleTag, String contentTag, String userTag, String assistantTag,
        String observationTag, String functionTag, String systemTag) {

    public static final Set<String> KEYS = Set.of("role_tag", "content_tag", "user_tag", "assistant_tag",
            "observation_tag", "function_tag", "system_tag");

    /** ShareGPT defaults ({@code from}/{@code value}, {@code human}/{@code gpt}). */
    public static ShareGptTags shareGpt() {
        return new ShareGptTags("from", "value", "human", "gpt", "observation", "function_call", "system");
    }

    /** OpenAI defaults ({@code role}/{@code content}, {@code user}/{@code assistant}/{@code tool}). */
    public static ShareGptTags openAi() {
        return new ShareGptTags("role", "content", "user", "assistant", "tool", "function_call", "system");
    }

    /** Overrides from a {@code tags} object; unknown keys are an error naming the key. */
    public ShareGptTags with(Map<String, String> overrides, String where) {
        for (String key : overrides.keySet()) {
            if (!KEYS.contains(key)) {
                throw new DatasetException(where + ": unknown tag key '" + key + "'; known keys: "
                        + String.join(", ", new java.util.TreeSet<>(KEYS)));
            }
        }
        return new ShareGptTags(
                overrides.getOrDefault("role_tag", roleTag),
                overrides.getOrDefault("content_tag", contentTag),
                overrides.getOrDefault("user_tag", userTag),
                overrides.getOrDefault("assistant_tag", assistantTag),
                overrides.getOrDefault("observation_tag", observationTag),
                overrides.getOrDefault("function_tag", functionTag),
                overrides.getOrDefault("system_tag", systemTag));
    }
}
