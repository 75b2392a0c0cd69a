package io.tuneforge.trainer.template;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A built-in chat format with LLaMA-Factory's name and layout ({@code src/llamafactory/data/template.py}), for one
 * tokenizer. The formats are the table {@link BuiltinFormats}; this class assembles them as LLaMA-Factory's
 * {@code Template._encode} does: on the first turn the prefix and the system text (the conversation's, or the
 * default system prompt when it has none or an empty one) go first, or into the first user message for
 * {@link BuiltinFormat.Layout#FUSED_SYSTEM} formats (Llama 2, Mistral, Gemma); then each message fills its slot. As
 * in LLaMA-Factory the user slot already ends with the assistant header, so {@code addGenerationPrompt} adds nothing,
 * except the empty thought of a reasoning format without thinking.
 *
 * <p>{@code {{eos}}} is the tokenizer's EOS after LLaMA-Factory's {@code fix_special_tokens}: the first stop word for
 * {@code replace_eos} formats, {@code <|endoftext|>} when the tokenizer has none. {@code efficient_eos} formats end a
 * complete conversation (last message from the assistant) with one EOS, as LLaMA-Factory's supervised processor does.
 * Reasoning formats (Qwen3) read {@code enable_thinking} from the template variables (default true, as
 * LLaMA-Factory's {@code enable_thinking}).
 *
 * @param format   the LLaMA-Factory format
 * @param bosToken the tokenizer's BOS token, empty when it has none
 * @param eosToken the tokenizer's EOS token
 */
public record BuiltinChatTemplate(BuiltinFormat format, Optional<String> bosToken, String eosToken)
        implements ChatTemplate {

    /** The EOS LLaMA-Factory adds when a tokenizer has none. */
    private static final String FALLBACK_EOS = "<|endoftext|>";

    /** LLaMA-Factory's default {@code thought_words}, the same for every built-in format. */
    private static final String THOUGHT_OPEN = "<think>\n";
    private static final String THOUGHT_CLOSE = "\n</think>\n\n";
    private static final Pattern THOUGHT = Pattern.compile(Pattern.quote(THOUGHT_OPEN) + "(.*?)"
            + Pattern.quote(THOUGHT_CLOSE), Pattern.DOTALL);

    /** The names of the built-in templates (LLaMA-Factory's template names), in the order they are offered. */
    public static final List<String> NAMES = BuiltinFormats.ALL.stream().map(BuiltinFormat::name).toList();

    /**
     * The built-in template {@code name} for a tokenizer.
     *
     * @throws TemplateException for an unknown name, listing the known ones
     */
    public static BuiltinChatTemplate named(String name, TokenizerConfig tokenizer) {
        BuiltinFormat format = BuiltinFormats.find(name).orElseThrow(() -> new TemplateException(
                "unknown template '" + name + "'; choose one of: " + String.join(", ", NAMES)));
        return new BuiltinChatTemplate(format, tokenizer.bosToken(), tokenizer.eosToken().orElse(FALLBACK_EOS));
    }

    @Override
    public String name() {
        return format.name();
    }

    /** The EOS written by {@code {{eos}}} slots: the first stop word when the format replaces the EOS. */
    private String effectiveEos() {
        return format.replaceEos() ? format.stopWords().get(0) : eosToken;
    }

    private String fill(String slot, String content) {
        return slot.replace("{{bos}}", bosToken.orElse("")).replace("{{eos}}", effectiveEos())
                .replace("{{content}}", content);
    }

    private static boolean hasThought(String content) {
        return content.contains(THOUGHT_OPEN.strip()) || content.contains(THOUGHT_CLOSE.strip());
    }

    /** LLaMA-Factory's {@code remove_thought}: drops every thought block, then leading newlines. */
    private static String removeThought(String content) {
        String removed = THOUGHT.matcher(content).replaceAll("");
        int start = 0;
        while (start < removed.length() && removed.charAt(start) == '\n') {
            start++;
        }
        return removed.substring(start);
    }

    private static boolean thinking(Map<String, Object> variables) {
        return variables == null || !Boolean.FALSE.equals(variables.get("enable_thinking"));
    }

    private static boolean isAnswer(ChatMessage message) {
        return message.role().equals("assistant");
    }

    /**
     * The text of each non-system message, as LLaMA-Factory's {@code _encode} forms it (the first one carries the
     * prefix and system text), with the empty thought of a reasoning format added to the answer (thinking) or to
     * the text before it (not thinking).
     */
    private List<String> messageTexts(List<ChatMessage> messages, boolean thinking) {
        List<ChatMessage> turns = new ArrayList<>(messages);
        String systemText = "";
        if (!turns.isEmpty() && turns.get(0).role().equals("system")) {
            systemText = turns.remove(0).content();
        }
        if (systemText.isEmpty()) {
            systemText = format.defaultSystem();
        }
        boolean reasoning = format.layout() == BuiltinFormat.Layout.REASONING;
        List<String> texts = new ArrayList<>();
        if (turns.isEmpty()) {
            if (!systemText.isEmpty()) {
                texts.add(fill(format.prefix(), "")
                        + (format.layout() == BuiltinFormat.Layout.FUSED_SYSTEM ? "" : fill(format.system(), systemText)));
            }
            return texts;
        }
        for (int i = 0; i < turns.size(); i++) {
            ChatMessage message = turns.get(i);
            StringBuilder out = new StringBuilder();
            String fused = "";
            if (i == 0) {
                out.append(fill(format.prefix(), ""));
                if (!systemText.isEmpty()) {
                    if (format.layout() == BuiltinFormat.Layout.FUSED_SYSTEM) {
                        fused = fill(format.system(), systemText);
                    } else {
                        out.append(fill(format.system(), systemText));
                    }
                }
            }
            if (message.extra().get("tool_calls") != null) {
                throw new TemplateException("built-in template '" + name() + "' does not format tool calls "
                        + "(message " + (i + 1) + "); use the model's own chat template");
            }
            String content = message.content();
            String slot = switch (message.role()) {
                case "user" -> format.user();
                case "assistant" -> format.assistant();
                case "tool", "observation" -> format.observation();
                case "system" -> throw new TemplateException("built-in template '" + name()
                        + "': a system message is only allowed first (message " + (i + 1) + ")");
                default -> throw new TemplateException("built-in template '" + name() + "': unexpected role '"
                        + message.role() + "' (message " + (i + 1) + "); use system, user, assistant or tool");
            };
            if (message.role().equals("user")) {
                content = fused + content;
            } else if (reasoning && isAnswer(message) && !thinking) {
                content = removeThought(content);
            }
            String text = fill(slot, content);
            if (reasoning && isAnswer(message) && !hasThought(content)) {
                String emptyThought = THOUGHT_OPEN + THOUGHT_CLOSE;
                if (thinking) {
                    text = emptyThought + text;
                } else if (i > 0) {
                    texts.set(i - 1, texts.get(i - 1) + emptyThought);
                }
            }
            texts.add(out.append(text).toString());
        }
        return texts;
    }

    /**
     * The conversation as LLaMA-Factory's {@code encode_multiturn} pairs it, as text: (prompt, answer) per turn.
     *
     * @param messages an optional system message, then user (or tool) and assistant messages in turn
     * @param variables template variables; {@code enable_thinking=false} turns thinking off for reasoning formats
     * @throws TemplateException when the messages do not alternate between prompt and answer
     */
    public List<TurnPair> encodeMultiturn(List<ChatMessage> messages, Map<String, Object> variables) {
        List<ChatMessage> turns = messages.isEmpty() || !messages.get(0).role().equals("system") ? messages
                : messages.subList(1, messages.size());
        for (int i = 0; i < turns.size(); i++) {
            if (isAnswer(turns.get(i)) != (i % 2 == 1)) {
                throw new TemplateException("built-in template '" + name() + "': message " + (i + 1)
                        + " should be " + (i % 2 == 1 ? "an assistant answer" : "a user or tool message")
                        + "; LLaMA-Factory formats need prompts and answers in turn");
            }
        }
        if (turns.size() % 2 != 0) {
            throw new TemplateException("built-in template '" + name() + "': the conversation ends without an "
                    + "assistant answer");
        }
        List<String> texts = messageTexts(messages, thinking(variables));
        List<TurnPair> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < texts.size(); i += 2) {
            pairs.add(new TurnPair(texts.get(i), texts.get(i + 1)));
        }
        return pairs;
    }

    @Override
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
            Map<String, Object> variables) {
        if (tools != null && !tools.isEmpty()) {
            throw new TemplateException("built-in template '" + name() + "' does not format tool definitions; "
                    + "use the model's own chat template");
        }
        boolean thinking = thinking(variables);
        StringBuilder out = new StringBuilder();
        messageTexts(messages, thinking).forEach(out::append);
        ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && isAnswer(last)) {
            if (format.efficientEos()) {
                out.append(effectiveEos());
            }
        } else if (addGenerationPrompt && last != null && !last.role().equals("system")
                && format.layout() == BuiltinFormat.Layout.REASONING && !thinking) {
            out.append(THOUGHT_OPEN).append(THOUGHT_CLOSE);
        }
        return out.toString();
    }

    @Override
    public List<String> stopStrings() {
        Set<String> stops = new LinkedHashSet<>(format.stopWords());
        stops.add(effectiveEos());
        return List.copyOf(stops);
    }
}
