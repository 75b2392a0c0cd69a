package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ProblemKind;
import io.tuneforge.trainer.template.ChatMessage;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ShareGPT rows ({@code conversations} of {@code from}/{@code value}) and OpenAI rows ({@code messages} of
 * {@code role}/{@code content}), with LLaMA-Factory's rules: an optional leading system turn, then turns alternate
 * user-or-observation / assistant-or-function-call, and a training row ends with an assistant turn. Roles map to
 * {@code system}, {@code user}, {@code assistant}, {@code tool}; a function-call turn becomes an assistant message
 * with {@code tool_calls} ({@code [{"type":"function","function":{"name","arguments"}}]}) as chat templates expect.
 * Content may be text or a list of text parts ({@code [{"type":"text","text"|"value":...}]}); other keys of a turn
 * ({@code tool_calls}, {@code name}, {@code reasoning_content}, {@code loss_weight}, ...) are kept as extras.
 * In ranking mode the turns are the prompt (ending with a user turn) and {@code chosen}/{@code rejected} hold the
 * answers, each a turn object, a text, or a list of turns whose last one is the answer.
 */
public final class ShareGptReader implements RecordReader {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Columns columns;
    private final Optional<ShareGptTags> fixedTags;
    private final boolean ranking;

    /**
     * @param columns   column names ({@code messages} is the turns column)
     * @param fixedTags the tags to use; empty to pick per row ({@code from}/{@code value} when the first turn has
     *                  {@code from}, else {@code role}/{@code content})
     * @param ranking   read {@code chosen}/{@code rejected} answers (preference data)
     */
    public ShareGptReader(Columns columns, Optional<ShareGptTags> fixedTags, boolean ranking) {
        this.columns = columns;
        this.fixedTags = fixedTags;
        this.ranking = ranking;
    }

    @Override
    public ReadOutcome read(JsonNode record) {
        if (!record.isObject()) {
            return ReadOutcome.failed(List.of(Fields.notAnObject(record)));
        }
        List<FieldIssue> issues = new ArrayList<>();
        String column = columns.messages();
        JsonNode turns = record.get(column);
        if (turns == null || turns.isNull()) {
            return ReadOutcome.failed(List.of(new FieldIssue(ProblemKind.MISSING_FIELD, column,
                    "required field '" + column + "' (the list of turns) is missing")));
        }
        if (!turns.isArray()) {
            return ReadOutcome.failed(List.of(new FieldIssue(ProblemKind.WRONG_TYPE, column,
                    "'" + column + "' must be a list of turns, found " + Fields.typeName(turns))));
        }
        if (turns.isEmpty()) {
            return ReadOutcome.failed(List.of(new FieldIssue(ProblemKind.EMPTY_FIELD, column,
                    "'" + column + "' has no turns")));
        }
        ShareGptTags tags = fixedTags.orElseGet(() -> autoTags(turns.get(0)));
        List<ChatMessage> messages = new ArrayList<>();
        Fields.optionalText(record, columns.system(), issues).filter(s -> !s.isEmpty())
                .ifPresent(s -> messages.add(ChatMessage.of("system", s)));
        int start = 0;
        if (turns.get(0).isObject() && tags.systemTag().equals(turns.get(0).path(tags.roleTag()).asString(""))) {
            Optional<ChatMessage> system = readTurn(turns.get(0), column + "[0]", tags, issues);
            messages.clear();
            system.ifPresent(messages::add);
            start = 1;
        }
        for (int i = start; i < turns.size(); i++) {
            boolean userSlot = (i - start) % 2 == 0;
            String field = column + "[" + i + "]";
            Optional<ChatMessage> message = readTurn(turns.get(i), field, tags, issues);
            if (message.isEmpty()) {
                continue;
            }
            checkOrder(message.get(), userSlot, field, tags, issues);
            messages.add(message.get());
        }
        int count = turns.size() - start;
        List<Map<String, Object>> tools = ToolsField.read(record, columns.tools(), issues);
        Optional<String> kto = KtoTag.read(record, columns.ktoTag(), issues);
        if (ranking) {
            return readPreference(record, messages, tools, count, tags, issues);
        }
        if (count == 0) {
            issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, column, "'" + column + "' has only a system turn"));
        } else if (count % 2 == 1 && issues.isEmpty()) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, column + "[" + (turns.size() - 1) + "]",
                    "the conversation ends with a '" + tags.userTag() + "' turn; the last turn must be an answer ('"
                            + tags.assistantTag() + "')"));
        }
        if (!issues.isEmpty()) {
            return ReadOutcome.failed(issues);
        }
        Example example = Example.chat(messages, tools);
        return ReadOutcome.of(kto.map(example::withLabel).orElse(example));
    }

    private ReadOutcome readPreference(JsonNode record, List<ChatMessage> prompt, List<Map<String, Object>> tools,
            int count, ShareGptTags tags, List<FieldIssue> issues) {
        if (count % 2 == 0 && issues.isEmpty()) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, columns.messages(),
                    "the prompt of a preference pair must end with a '" + tags.userTag() + "' turn"));
        }
        Optional<ChatMessage> chosen = readAnswer(record, columns.chosen(), tags, issues);
        Optional<ChatMessage> rejected = readAnswer(record, columns.rejected(), tags, issues);
        if (!issues.isEmpty()) {
            return ReadOutcome.failed(issues);
        }
        return ReadOutcome.of(Example.preference(prompt, tools, chosen.get(), rejected.get()));
    }

    /** A preference answer: a turn object, plain text, or a list of turns whose last is the answer. */
    private Optional<ChatMessage> readAnswer(JsonNode record, String field, ShareGptTags tags,
            List<FieldIssue> issues) {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            issues.add(new FieldIssue(ProblemKind.MISSING_FIELD, field, "required field '" + field + "' is missing"));
            return Optional.empty();
        }
        if (value.isString()) {
            if (value.asString().isBlank()) {
                issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, field, "'" + field + "' is empty"));
                return Optional.empty();
            }
            return Optional.of(ChatMessage.of("assistant", value.asString()));
        }
        JsonNode turn = value;
        String turnField = field;
        if (value.isArray()) {
            if (value.isEmpty()) {
                issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, field, "'" + field + "' is an empty list"));
                return Optional.empty();
            }
            turn = value.get(value.size() - 1);
            turnField = field + "[" + (value.size() - 1) + "]";
        }
        ShareGptTags answerTags = fixedTags.orElseGet(() -> autoTags(value.isArray() ? value.get(0) : value));
        Optional<ChatMessage> message = readTurn(turn, turnField, answerTags, issues);
        if (message.isPresent() && !message.get().role().equals("assistant")) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, turnField + "." + answerTags.roleTag(),
                    "'" + field + "' must be an answer ('" + answerTags.assistantTag() + "'), found role '"
                            + turn.path(answerTags.roleTag()).asString("") + "'"));
            return Optional.empty();
        }
        return message;
    }

    private static ShareGptTags autoTags(JsonNode firstTurn) {
        return firstTurn != null && firstTurn.has("from") ? ShareGptTags.shareGpt() : ShareGptTags.openAi();
    }

    /** Turns alternate: user or observation in even slots, assistant or function call in odd slots. */
    private static void checkOrder(ChatMessage message, boolean userSlot, String field, ShareGptTags tags,
            List<FieldIssue> issues) {
        boolean isPrompt = message.role().equals("user") || message.role().equals("tool");
        boolean isAnswer = message.role().equals("assistant");
        if (userSlot && !isPrompt) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field + "." + tags.roleTag(),
                    "turn out of order: expected '" + tags.userTag() + "' or '" + tags.observationTag()
                            + "' here (turns alternate prompt/answer), found an answer or system turn"));
        } else if (!userSlot && !isAnswer) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field + "." + tags.roleTag(),
                    "turn out of order: expected '" + tags.assistantTag() + "' or '" + tags.functionTag()
                            + "' here (turns alternate prompt/answer), found a prompt or system turn"));
        }
    }

    /** One turn object: role by the tags, content as text or text parts, the rest as extras. */
    private Optional<ChatMessage> readTurn(JsonNode turn, String field, ShareGptTags tags, List<FieldIssue> issues) {
        if (!turn.isObject()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                    "each turn must be an object with '" + tags.roleTag() + "' and '" + tags.contentTag()
                            + "', found " + Fields.typeName(turn)));
            return Optional.empty();
        }
        JsonNode roleNode = turn.get(tags.roleTag());
        if (roleNode == null || roleNode.isNull()) {
            issues.add(new FieldIssue(ProblemKind.MISSING_FIELD, field + "." + tags.roleTag(),
                    "turn has no '" + tags.roleTag() + "'"));
            return Optional.empty();
        }
        String tag = roleNode.asString("");
        Optional<String> role = role(tag, tags);
        if (role.isEmpty()) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field + "." + tags.roleTag(),
                    "unknown role '" + roleNode.asString(roleNode.toString()) + "'; expected one of "
                            + String.join(", ", tags.userTag(), tags.assistantTag(), tags.observationTag(),
                            tags.functionTag(), tags.systemTag())));
            return Optional.empty();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : turn.properties()) {
            if (!e.getKey().equals(tags.roleTag()) && !e.getKey().equals(tags.contentTag())) {
                extra.put(e.getKey(), JsonValues.toJava(e.getValue()));
            }
        }
        boolean hasToolCalls = extra.get("tool_calls") != null;
        Optional<String> content = content(turn.get(tags.contentTag()), field + "." + tags.contentTag(),
                hasToolCalls, issues);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        if (tag.equals(tags.functionTag()) && !tags.functionTag().equals(tags.assistantTag())) {
            return functionCall(content.get(), field + "." + tags.contentTag(), extra, issues);
        }
        return Optional.of(new ChatMessage(role.get(), content.get(), extra));
    }

    private static Optional<String> role(String tag, ShareGptTags tags) {
        if (tag.equals(tags.userTag())) {
            return Optional.of("user");
        }
        if (tag.equals(tags.assistantTag()) || tag.equals(tags.functionTag())) {
            return Optional.of("assistant");
        }
        if (tag.equals(tags.observationTag())) {
            return Optional.of("tool");
        }
        if (tag.equals(tags.systemTag())) {
            return Optional.of("system");
        }
        return Optional.empty();
    }

    /** Content: text, or a list of text parts joined; null only beside tool calls. */
    private static Optional<String> content(JsonNode value, String field, boolean hasToolCalls,
            List<FieldIssue> issues) {
        if (value == null || value.isNull()) {
            if (hasToolCalls) {
                return Optional.of("");
            }
            issues.add(new FieldIssue(ProblemKind.MISSING_FIELD, field, "turn has no text ('" + field + "')"));
            return Optional.empty();
        }
        if (value.isString()) {
            if (value.asString().isBlank() && !hasToolCalls) {
                issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, field, "turn text is empty"));
                return Optional.empty();
            }
            return Optional.of(value.asString());
        }
        if (value.isArray()) {
            StringBuilder text = new StringBuilder();
            int i = 0;
            for (JsonNode part : value) {
                String type = part.path("type").asString("text");
                JsonNode partText = part.has("text") ? part.get("text") : part.get("value");
                if (!type.equals("text") || partText == null || !partText.isString()) {
                    issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field + "[" + i + "]",
                            "only text parts ({\"type\": \"text\", \"text\": ...}) are supported, found type '"
                                    + type + "'"));
                    return Optional.empty();
                }
                text.append(partText.asString());
                i++;
            }
            if (text.isEmpty() && !hasToolCalls) {
                issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, field, "turn text is empty"));
                return Optional.empty();
            }
            return Optional.of(text.toString());
        }
        issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field, "turn text must be text, found "
                + Fields.typeName(value)));
        return Optional.empty();
    }

    /** A function-call turn: JSON {"name", "arguments"} (or a list of them) into {@code tool_calls}. */
    private static Optional<ChatMessage> functionCall(String value, String field, Map<String, Object> extra,
            List<FieldIssue> issues) {
        JsonNode call;
        try {
            call = MAPPER.readTree(value);
        } catch (JacksonException e) {
            issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field,
                    "a function call must be JSON {\"name\": ..., \"arguments\": ...}: " + JsonArraySource.describe(e)));
            return Optional.empty();
        }
        List<JsonNode> calls = new ArrayList<>();
        if (call.isArray()) {
            call.forEach(calls::add);
        } else {
            calls.add(call);
        }
        List<Object> toolCalls = new ArrayList<>();
        for (JsonNode c : calls) {
            if (!c.isObject() || !c.path("name").isString()) {
                issues.add(new FieldIssue(ProblemKind.INVALID_VALUE, field,
                        "a function call must be JSON {\"name\": ..., \"arguments\": ...}"));
                return Optional.empty();
            }
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", c.get("name").asString());
            function.put("arguments", JsonValues.toJava(c.has("arguments") ? c.get("arguments") : MAPPER.createObjectNode()));
            Map<String, Object> toolCall = new LinkedHashMap<>();
            toolCall.put("type", "function");
            toolCall.put("function", function);
            toolCalls.add(toolCall);
        }
        Map<String, Object> withCalls = new LinkedHashMap<>(extra);
        withCalls.put("tool_calls", toolCalls);
        return Optional.of(new ChatMessage("assistant", "", withCalls));
    }
}
