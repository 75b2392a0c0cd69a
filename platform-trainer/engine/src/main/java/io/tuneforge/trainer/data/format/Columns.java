package io.tuneforge.trainer.data.format;

import io.tuneforge.shared.dataset.DatasetException;

import java.util.Map;
import java.util.Set;

/**
 * Which field of a row holds what, with LLaMA-Factory's {@code columns} names. Defaults are the field names of the
 * formats themselves; a {@code dataset_info.json} entry or a CSV column mapping overrides them.
 *
 * @param prompt   Alpaca instruction ({@code instruction}); for pre-training entries the text column
 * @param query    Alpaca input ({@code input})
 * @param response Alpaca output ({@code output})
 * @param history  Alpaca history, a list of [question, answer] pairs ({@code history})
 * @param messages ShareGPT/OpenAI turns ({@code conversations} for ShareGPT, {@code messages} for OpenAI)
 * @param system   system prompt ({@code system})
 * @param tools    tool definitions, a JSON string or list ({@code tools})
 * @param chosen   preferred answer of a preference pair ({@code chosen})
 * @param rejected dispreferred answer of a preference pair ({@code rejected})
 * @param ktoTag   KTO desirability flag ({@code kto_tag}; none by default)
 * @param text     classification / plain text column ({@code text})
 * @param label    classification label column ({@code label})
 */
public record Columns(String prompt, String query, String response, String history, String messages, String system,
        String tools, String chosen, String rejected, String ktoTag, String text, String label) {

    /** The LLaMA-Factory {@code columns} keys we understand (plus {@code text}/{@code label} for classification). */
    public static final Set<String> KEYS = Set.of("prompt", "query", "response", "history", "messages", "system",
            "tools", "chosen", "rejected", "kto_tag", "text", "label");

    /** Multimodal columns LLaMA-Factory knows but TuneForge does not train on. */
    public static final Set<String> MULTIMODAL_KEYS = Set.of("images", "videos", "audios");

    /** Defaults: Alpaca names, {@code conversations} for ShareGPT. */
    public static Columns defaults() {
        return new Columns("instruction", "input", "output", "history", "conversations", "system", "tools", "chosen",
                "rejected", "kto_tag", "text", "label");
    }

    /** Defaults for OpenAI-style data ({@code messages}). */
    public static Columns openAiDefaults() {
        return defaults().withMessages("messages");
    }

    public Columns withMessages(String column) {
        return new Columns(prompt, query, response, history, column, system, tools, chosen, rejected, ktoTag, text,
                label);
    }

    /** Overrides from a {@code columns} object; unknown keys are an error naming the key. */
    public Columns with(Map<String, String> overrides, String where) {
        for (String key : overrides.keySet()) {
            if (!KEYS.contains(key) && !MULTIMODAL_KEYS.contains(key)) {
                throw new DatasetException(where + ": unknown column key '" + key + "'; known keys: "
                        + String.join(", ", new java.util.TreeSet<>(KEYS)));
            }
        }
        return new Columns(
                overrides.getOrDefault("prompt", prompt),
                overrides.getOrDefault("query", query),
                overrides.getOrDefault("response", response),
                overrides.getOrDefault("history", history),
                overrides.getOrDefault("messages", messages),
                overrides.getOrDefault("system", system),
                overrides.getOrDefault("tools", tools),
                overrides.getOrDefault("chosen", chosen),
                overrides.getOrDefault("rejected", rejected),
                overrides.getOrDefault("kto_tag", ktoTag),
                overrides.getOrDefault("text", text),
                overrides.getOrDefault("label", label));
    }

    /** Classification columns mapped from CSV headers (for files whose headers are not {@code text}/{@code label}). */
    public Columns withClassification(String textColumn, String labelColumn) {
        return new Columns(prompt, query, response, history, messages, system, tools, chosen, rejected, ktoTag,
                textColumn, labelColumn);
    }
}
