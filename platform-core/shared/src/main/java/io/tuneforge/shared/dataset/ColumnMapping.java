package io.tuneforge.shared.dataset;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which field of a dataset's rows holds what, in LLaMA-Factory's {@code dataset_info.json} words: {@code columns}
 * ({@code prompt}, {@code query}, {@code response}, {@code history}, {@code messages}, {@code system}, {@code tools},
 * {@code chosen}, {@code rejected}, {@code kto_tag}; {@code text}/{@code label} for classification) and, for ShareGPT
 * data, {@code tags} ({@code role_tag}, {@code content_tag}, {@code user_tag}, ...). An upload in the Datasets page, the
 * REST API and the CLI's {@code dataset} command all give it in this one shape, it is stored with the dataset version,
 * and the data pipeline applies it exactly like a {@code dataset_info.json} entry's (the pipeline checks the keys).
 *
 * @param columns column key to the row's field name; only the keys given override the format's defaults
 * @param tags    ShareGPT tag key to the name used in the rows; only the keys given override the defaults
 */
public record ColumnMapping(Map<String, String> columns, Map<String, String> tags) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Common prompt/answer field pairs, in the order they are tried; the first pair a row has both fields of is
     * suggested as {@code prompt}/{@code response}.
     */
    static final List<List<String>> COMMON_PAIRS = List.of(
            List.of("input", "output"), List.of("prompt", "response"), List.of("prompt", "completion"),
            List.of("prompt", "answer"), List.of("question", "answer"), List.of("question", "response"),
            List.of("query", "response"), List.of("query", "answer"), List.of("instruction", "response"),
            List.of("instruction", "answer"), List.of("text", "label"));

    public ColumnMapping {
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** No mapping: every format reads its own default field names. */
    public static ColumnMapping none() {
        return new ColumnMapping(Map.of(), Map.of());
    }

    /** A mapping of columns only. */
    public static ColumnMapping ofColumns(Map<String, String> columns) {
        return new ColumnMapping(columns, Map.of());
    }

    public boolean isEmpty() {
        return columns.isEmpty() && tags.isEmpty();
    }

    /**
     * Parses what a user typed: either a {@code columns} object as in {@code dataset_info.json}
     * ({@code {"prompt": "question", "response": "answer"}}) or an object with {@code columns} and/or {@code tags}
     * ({@code {"columns": {...}, "tags": {"role_tag": "role"}}}). Blank text is no mapping.
     *
     * @throws DatasetException naming what is wrong when the text is not such an object of names
     */
    public static ColumnMapping parse(String text) {
        if (text == null || text.isBlank()) {
            return none();
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new DatasetException("Column mapping is not valid JSON: " + e.getOriginalMessage()
                    + "; write it as in dataset_info.json, e.g. {\"prompt\": \"question\", \"response\": \"answer\"}");
        }
        if (root == null || !root.isObject()) {
            throw new DatasetException("Column mapping must be a JSON object, e.g. "
                    + "{\"prompt\": \"question\", \"response\": \"answer\"}");
        }
        boolean wrapped = root.has("columns") || root.has("tags");
        if (wrapped) {
            for (String key : root.propertyNames()) {
                if (!key.equals("columns") && !key.equals("tags")) {
                    throw new DatasetException("Column mapping: unknown key '" + key
                            + "' beside columns/tags; give either a columns object or {\"columns\": ..., \"tags\": ...}");
                }
            }
            return new ColumnMapping(names(root.get("columns"), "columns"), names(root.get("tags"), "tags"));
        }
        return new ColumnMapping(names(root, "columns"), Map.of());
    }

    private static Map<String, String> names(JsonNode node, String where) {
        Map<String, String> names = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return names;
        }
        if (!node.isObject()) {
            throw new DatasetException("Column mapping: " + where + " must be an object of key to field name");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString() || e.getValue().asString().isBlank()) {
                throw new DatasetException("Column mapping: " + where + "." + e.getKey()
                        + " must be a field name (a non-empty string)");
            }
            names.put(e.getKey(), e.getValue().asString().strip());
        }
        return names;
    }

    /**
     * A mapping for rows with the given fields when they have a common prompt/answer shape that the formats' own names
     * do not cover ({@code question}/{@code answer}, {@code prompt}/{@code response}, {@code input}/{@code output},
     * {@code query}/{@code response}, {@code text}/{@code label}, ...): {@code prompt} and {@code response} mapped to
     * them, {@code system} to a {@code system} field when there is one. Empty when the rows already read without a
     * mapping in some format other than plain text ({@code instruction} with {@code output}, {@code conversations},
     * {@code messages}, {@code chosen}/{@code rejected}) or have no such pair.
     */
    public static Optional<ColumnMapping> suggest(Collection<String> fields) {
        if ((fields.contains("instruction") && fields.contains("output")) || fields.contains("conversations")
                || fields.contains("messages") || (fields.contains("chosen") && fields.contains("rejected"))) {
            return Optional.empty();
        }
        for (List<String> pair : COMMON_PAIRS) {
            if (fields.contains(pair.get(0)) && fields.contains(pair.get(1))) {
                Map<String, String> columns = new LinkedHashMap<>();
                columns.put("prompt", pair.get(0));
                columns.put("response", pair.get(1));
                if (fields.contains("system")) {
                    columns.put("system", "system");
                }
                return Optional.of(ofColumns(columns));
            }
        }
        return Optional.empty();
    }

    /** The stored form, {@code {"columns": {...}, "tags": {...}}}; {@link #parse} reads it back. */
    public String toJson() {
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("columns", columns);
        both.put("tags", tags);
        return JSON.writeValueAsString(both);
    }

    /** The columns alone as JSON, {@code {"prompt": "question", "response": "answer"}}, as users type them. */
    public String toColumnsJson() {
        return JSON.writeValueAsString(columns);
    }

    /** "prompt → question, response → answer" for messages and the UI; "none" when empty. */
    public String describe() {
        if (isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        columns.forEach((k, v) -> text.append(text.isEmpty() ? "" : ", ").append(k).append(" → ").append(v));
        tags.forEach((k, v) -> text.append(text.isEmpty() ? "" : ", ").append(k).append(" → ").append(v));
        return text.toString();
    }
}
