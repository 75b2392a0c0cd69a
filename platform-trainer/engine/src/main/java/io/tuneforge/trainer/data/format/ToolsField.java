package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code tools} field: LLaMA-Factory stores it as a JSON string, OpenAI-style data as a list. Either way the
 * result is a list of tool definitions (maps); an empty string means no tools.
 */
final class ToolsField {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ToolsField() {
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> read(JsonNode record, String field, List<FieldIssue> issues) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        JsonNode tree = value;
        if (value.isString()) {
            if (value.asString().isBlank()) {
                return List.of();
            }
            try {
                tree = MAPPER.readTree(value.asString());
            } catch (JacksonException e) {
                issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field,
                        "'" + field + "' is text but not valid JSON: " + JsonArraySource.describe(e)));
                return List.of();
            }
        }
        if (tree.isObject()) {
            return List.of((Map<String, Object>) JsonValues.toJava(tree));
        }
        if (!tree.isArray()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                    "'" + field + "' must be a list of tool definitions, found " + Fields.typeName(tree)));
            return List.of();
        }
        List<Map<String, Object>> tools = new ArrayList<>();
        int i = 0;
        for (JsonNode tool : tree) {
            if (!tool.isObject()) {
                issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field + "[" + i + "]",
                        "each tool must be an object, found " + Fields.typeName(tool)));
            } else {
                tools.add((Map<String, Object>) JsonValues.toJava(tool));
            }
            i++;
        }
        return tools;
    }
}
