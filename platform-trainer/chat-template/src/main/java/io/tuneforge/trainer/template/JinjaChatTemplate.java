package io.tuneforge.trainer.template;

import io.tuneforge.trainer.template.jinja.JinjaTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's own Jinja2 chat template, rendered as Hugging Face's {@code apply_chat_template(tokenize=False)} does:
 * variables {@code messages}, {@code tools} ({@code None} when there are none), {@code documents} ({@code None}),
 * {@code add_generation_prompt}, the special tokens that are set, then the caller's variables. A list of named
 * templates picks {@code tool_use} when tools are given and it exists, else {@code default}.
 */
public final class JinjaChatTemplate implements ChatTemplate {

    /** End-of-turn markers recognised in template sources for {@link #stopStrings()}. */
    private static final List<String> TURN_END_MARKERS = List.of("<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>",
            "<end_of_turn>", "<|endoftext|>", "</s>", "<|eot|>", "<｜end▁of▁sentence｜>");

    private final JinjaTemplate defaultTemplate;
    private final JinjaTemplate toolUseTemplate;
    private final Map<String, Object> specialTokens;
    private final List<String> stopStrings;

    private JinjaChatTemplate(JinjaTemplate defaultTemplate, JinjaTemplate toolUseTemplate,
            Map<String, Object> specialTokens, List<String> stopStrings) {
        this.defaultTemplate = defaultTemplate;
        this.toolUseTemplate = toolUseTemplate;
        this.specialTokens = specialTokens;
        this.stopStrings = stopStrings;
    }

    /**
     * The chat template of a tokenizer config.
     *
     * @throws TemplateException when the config has no template, no {@code default} among named templates, or a
     *                           template does not parse
     */
    public static JinjaChatTemplate of(TokenizerConfig config) {
        Map<String, String> templates = config.templates();
        if (templates.isEmpty()) {
            throw new TemplateException(config.source() + " has no chat_template");
        }
        String defaultSource = templates.get("default");
        if (defaultSource == null) {
            throw new TemplateException(config.source() + ": the named chat templates " + templates.keySet()
                    + " have no \"default\" entry");
        }
        JinjaTemplate main = compile(defaultSource, config, "default");
        String toolSource = templates.get("tool_use");
        JinjaTemplate toolUse = toolSource == null ? null : compile(toolSource, config, "tool_use");
        Set<String> stops = new LinkedHashSet<>();
        for (String marker : TURN_END_MARKERS) {
            if (templates.values().stream().anyMatch(t -> t.contains(marker))) {
                stops.add(marker);
            }
        }
        config.eosToken().ifPresent(stops::add);
        return new JinjaChatTemplate(main, toolUse, config.specialTokens(), List.copyOf(stops));
    }

    /** A template from source, with the given special tokens (e.g. {@code bos_token}) passed to it. */
    public static JinjaChatTemplate fromSource(String source, Map<String, Object> specialTokens) {
        TokenizerConfig config = new TokenizerConfig(Map.of("default", source), specialTokens, java.nio.file.Path.of("<source>"));
        return of(config);
    }

    private static JinjaTemplate compile(String source, TokenizerConfig config, String name) {
        try {
            return JinjaTemplate.compile(source);
        } catch (TemplateException e) {
            throw new TemplateException(config.source() + " (chat template '" + name + "'): " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "model";
    }

    @Override
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
            Map<String, Object> variables) {
        List<Object> values = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            values.add(m.asTemplateValue());
        }
        return renderValues(values, tools == null || tools.isEmpty() ? null : tools, addGenerationPrompt, variables);
    }

    /**
     * Renders JSON-like messages as given (a message's content may be {@code null} or a list of parts, as in
     * OpenAI-style data); {@code tools} null means none.
     */
    public String renderValues(List<?> messages, List<?> tools, boolean addGenerationPrompt, Map<String, ?> variables) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.putAll(variables);
        context.put("messages", messages);
        context.put("tools", tools);
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        JinjaTemplate template = tools != null && toolUseTemplate != null ? toolUseTemplate : defaultTemplate;
        return template.render(context);
    }

    @Override
    public List<String> stopStrings() {
        return stopStrings;
    }
}
