package io.tuneforge.trainer.evaluation;

import io.tuneforge.trainer.template.ChatMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a held-out set for evaluation from a JSON array or JSON Lines file, in the formats LLaMA-Factory users have:
 * Alpaca ({@code instruction}, {@code input}, {@code output}, optional {@code system}, {@code history}), ShareGPT
 * ({@code conversations} of {@code from}/{@code value}, optional {@code system}) or OpenAI-style {@code messages} of
 * {@code role}/{@code content}. The label is the last assistant turn; the prompt is everything before it.
 * Alpaca's instruction and input are joined with a newline, as LLaMA-Factory does.
 */
public final class EvalDataset {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private EvalDataset() {
    }

    /** Reads every row; a row in no known format fails naming the file, row and what is missing. */
    public static List<EvalExample> read(Path file) {
        List<JsonNode> rows = rows(file);
        List<EvalExample> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            out.add(example(file, i + 1, rows.get(i)));
        }
        return out;
    }

    private static List<JsonNode> rows(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset " + file, e);
        }
        List<JsonNode> rows = new ArrayList<>();
        try {
            if (text.stripLeading().startsWith("[")) {
                JSON.readTree(text).forEach(rows::add);
                return rows;
            }
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].isBlank()) {
                    try {
                        rows.add(JSON.readTree(lines[i]));
                    } catch (JacksonException e) {
                        throw new EvaluationException(file + ", line " + (i + 1) + ": not valid JSON ("
                                + e.getOriginalMessage() + ")");
                    }
                }
            }
            return rows;
        } catch (JacksonException e) {
            throw new EvaluationException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    private static EvalExample example(Path file, int row, JsonNode r) {
        if (r.has("instruction")) {
            return alpaca(file, row, r);
        }
        if (r.has("conversations") || r.has("messages")) {
            return conversation(file, row, r);
        }
        throw new EvaluationException(file + ", row " + row + ": neither Alpaca (instruction/output) nor ShareGPT "
                + "(conversations) nor messages; fields found: " + fieldNames(r));
    }

    private static EvalExample alpaca(Path file, int row, JsonNode r) {
        JsonNode output = r.get("output");
        if (output == null || !output.isString()) {
            throw new EvaluationException(file + ", row " + row + ": Alpaca row without a string \"output\" "
                    + "(the reference answer)");
        }
        List<ChatMessage> prompt = new ArrayList<>();
        String system = r.path("system").asString("");
        if (!system.isEmpty()) {
            prompt.add(ChatMessage.of("system", system));
        }
        for (JsonNode turn : r.path("history")) {
            prompt.add(ChatMessage.of("user", turn.path(0).asString("")));
            prompt.add(ChatMessage.of("assistant", turn.path(1).asString("")));
        }
        String instruction = r.path("instruction").asString("");
        String input = r.path("input").asString("");
        prompt.add(ChatMessage.of("user", input.isEmpty() ? instruction : instruction + "\n" + input));
        return new EvalExample(prompt, output.asString());
    }

    private static EvalExample conversation(Path file, int row, JsonNode r) {
        boolean shareGpt = r.has("conversations");
        JsonNode turns = shareGpt ? r.get("conversations") : r.get("messages");
        List<ChatMessage> messages = new ArrayList<>();
        String system = r.path("system").asString("");
        if (!system.isEmpty()) {
            messages.add(ChatMessage.of("system", system));
        }
        for (JsonNode t : turns) {
            String role = shareGpt ? t.path("from").asString("") : t.path("role").asString("");
            String content = shareGpt ? t.path("value").asString("") : t.path("content").asString("");
            messages.add(ChatMessage.of(role(file, row, role), content));
        }
        if (messages.isEmpty() || !messages.getLast().role().equals("assistant")) {
            throw new EvaluationException(file + ", row " + row + ": the conversation does not end with an assistant "
                    + "turn, so there is no reference answer to compare with");
        }
        return new EvalExample(messages.subList(0, messages.size() - 1), messages.getLast().content());
    }

    private static String role(Path file, int row, String from) {
        return switch (from.toLowerCase(Locale.ROOT)) {
            case "human", "user" -> "user";
            case "gpt", "assistant", "model" -> "assistant";
            case "system" -> "system";
            case "observation", "tool", "function" -> "tool";
            default -> throw new EvaluationException(file + ", row " + row + ": unknown role '" + from
                    + "' (expected human/user, gpt/assistant, system, observation)");
        };
    }

    private static String fieldNames(JsonNode r) {
        List<String> names = new ArrayList<>();
        r.propertyNames().forEach(names::add);
        return names.toString();
    }
}
