package io.tuneforge.trainer.data.format;

import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.ProblemKind;
import io.tuneforge.trainer.template.ChatMessage;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Alpaca rows ({@code instruction}, {@code input}, {@code output}, optional {@code system}, {@code history},
 * {@code tools}), as LLaMA-Factory reads them: the user turn is instruction and input joined by a newline, history
 * pairs come first. In ranking mode {@code chosen}/{@code rejected} (text) replace {@code output}.
 */
public final class AlpacaReader implements RecordReader {

    private final Columns columns;
    private final boolean ranking;

    public AlpacaReader(Columns columns, boolean ranking) {
        this.columns = columns;
        this.ranking = ranking;
    }

    @Override
    public ReadOutcome read(JsonNode record) {
        if (!record.isObject()) {
            return ReadOutcome.failed(List.of(Fields.notAnObject(record)));
        }
        List<FieldIssue> issues = new ArrayList<>();
        List<ChatMessage> messages = new ArrayList<>();
        Fields.optionalText(record, columns.system(), issues)
                .filter(s -> !s.isEmpty())
                .ifPresent(s -> messages.add(ChatMessage.of("system", s)));
        readHistory(record, messages, issues);
        Optional<String> prompt = readPrompt(record, issues);
        prompt.ifPresent(p -> messages.add(ChatMessage.of("user", p)));
        List<Map<String, Object>> tools = ToolsField.read(record, columns.tools(), issues);
        Optional<String> kto = KtoTag.read(record, columns.ktoTag(), issues);
        if (ranking) {
            Optional<String> chosen = Fields.requiredText(record, columns.chosen(), true, issues);
            Optional<String> rejected = Fields.requiredText(record, columns.rejected(), true, issues);
            if (!issues.isEmpty()) {
                return ReadOutcome.failed(issues);
            }
            return ReadOutcome.of(Example.preference(messages, tools, ChatMessage.of("assistant", chosen.get()),
                    ChatMessage.of("assistant", rejected.get())));
        }
        Optional<String> output = Fields.requiredText(record, columns.response(), true, issues);
        if (!issues.isEmpty()) {
            return ReadOutcome.failed(issues);
        }
        messages.add(ChatMessage.of("assistant", output.get()));
        Example example = Example.chat(messages, tools);
        return ReadOutcome.of(kto.map(example::withLabel).orElse(example));
    }

    /**
     * instruction + "\n" + input. The instruction field is required, and may be empty when input is not, except in
     * rows that have no instruction field but an input: there the input alone is the prompt (the common
     * {@code input}/{@code output} shape). A query mapped to the same field as the prompt is read once.
     */
    private Optional<String> readPrompt(JsonNode record, List<FieldIssue> issues) {
        int before = issues.size();
        boolean inputOnly = !record.has(columns.prompt()) && record.hasNonNull(columns.query());
        Optional<String> instruction = inputOnly ? Optional.empty()
                : Fields.requiredText(record, columns.prompt(), false, issues);
        Optional<String> input = columns.query().equals(columns.prompt()) ? Optional.empty()
                : Fields.optionalText(record, columns.query(), issues);
        if (issues.size() > before) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        instruction.filter(s -> !s.isEmpty()).ifPresent(parts::add);
        input.filter(s -> !s.isEmpty()).ifPresent(parts::add);
        if (parts.isEmpty() || String.join("", parts).isBlank()) {
            issues.add(new FieldIssue(ProblemKind.EMPTY_FIELD, columns.prompt(),
                    "'" + columns.prompt() + "' and '" + columns.query() + "' are both empty: the row has no prompt"));
            return Optional.empty();
        }
        return Optional.of(String.join("\n", parts));
    }

    /** history: a list of [question, answer] text pairs, each becoming a user and an assistant turn. */
    private void readHistory(JsonNode record, List<ChatMessage> messages, List<FieldIssue> issues) {
        JsonNode history = record.get(columns.history());
        if (history == null || history.isNull()) {
            return;
        }
        if (!history.isArray()) {
            issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, columns.history(),
                    "'" + columns.history() + "' must be a list of [question, answer] pairs, found "
                            + Fields.typeName(history)));
            return;
        }
        int i = 0;
        for (JsonNode pair : history) {
            String field = columns.history() + "[" + i + "]";
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isString() || !pair.get(1).isString()) {
                issues.add(new FieldIssue(ProblemKind.WRONG_TYPE, field,
                        "each history entry must be a pair of texts [question, answer]"));
            } else {
                messages.add(ChatMessage.of("user", pair.get(0).asString()));
                messages.add(ChatMessage.of("assistant", pair.get(1).asString()));
            }
            i++;
        }
    }
}
