package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.template.JinjaChatTemplate;
import io.tuneforge.trainer.template.TemplateException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** {@code template render}: shows the exact text a conversation becomes under a model's chat template. */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Chat templates: render a conversation exactly as the model is trained on and served with.",
        subcommands = {TemplateCommand.Render.class})
public final class TemplateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints the rendered text with no trailing newline added; a template error exits 1 with its message. */
    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Render messages with the model's chat template (or a built-in one) and print the text exactly.")
    static final class Render implements Callable<Integer> {

        private static final JsonMapper JSON = JsonMapper.builder().build();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", paramLabel = "DIR",
                description = "Model folder with tokenizer_config.json (optional with a built-in --template).")
        Path model;

        @Option(names = "--messages", required = true, paramLabel = "FILE.json",
                description = "A JSON array of messages ({\"role\", \"content\", ...}), or an object with \"messages\" "
                        + "(and optionally \"tools\").")
        Path messages;

        @Option(names = "--tools", paramLabel = "FILE.json", description = "A JSON array of tool definitions.")
        Path tools;

        @Option(names = "--add-generation-prompt", description = "Append the header that starts the assistant's turn.")
        boolean addGenerationPrompt;

        @Option(names = "--var", paramLabel = "KEY=VALUE",
                description = "A template variable, e.g. enable_thinking=false; values are JSON (true, 3, \"x\", [1]) "
                        + "or plain text.")
        List<String> vars = new ArrayList<>();

        @Option(names = "--template", paramLabel = "NAME",
                description = "model (the default: the model's own, else its family's) or a LLaMA-Factory name: default, "
                        + "alpaca, llama3, qwen3, qwen3_nothink, gemma3, ...")
        String template;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                Map<String, Object> variables = parseVariables(vars);
                Object messagesJson = readJson(messages);
                List<?> messageValues = messagesOf(messagesJson, messages);
                List<?> toolValues = tools != null ? readList(tools, "tools")
                        : messagesJson instanceof Map<?, ?> m && m.get("tools") instanceof List<?> inline ? inline : null;
                String text = render(messageValues, toolValues, variables);
                PrintWriter out = spec.commandLine().getOut();
                out.print(text);
                out.flush();
                return 0;
            } catch (TemplateException e) {
                err.println("template error: " + e.getMessage());
                err.flush();
                return 1;
            }
        }

        private String render(List<?> messageValues, List<?> toolValues, Map<String, Object> variables) {
            Optional<String> name = Optional.ofNullable(template);
            ChatTemplate chatTemplate;
            if (model == null) {
                if (name.isEmpty() || name.get().equals(ChatTemplates.MODEL)) {
                    throw new TemplateException("--model DIR is required unless --template names a built-in template ("
                            + String.join(", ", ChatTemplates.names().subList(1, ChatTemplates.names().size())) + ")");
                }
                chatTemplate = ChatTemplates.builtin(name.get());
            } else {
                chatTemplate = ChatTemplates.forModel(model, name);
            }
            if (chatTemplate instanceof JinjaChatTemplate jinja) {
                return jinja.renderValues(messageValues, toolValues, addGenerationPrompt, variables);
            }
            return chatTemplate.render(toChatMessages(messageValues), toTools(toolValues), addGenerationPrompt, variables);
        }

        static Map<String, Object> parseVariables(List<String> vars) {
            Map<String, Object> variables = new LinkedHashMap<>();
            for (String var : vars) {
                int eq = var.indexOf('=');
                if (eq <= 0) {
                    throw new TemplateException("--var " + var + ": expected KEY=VALUE, e.g. --var enable_thinking=false");
                }
                variables.put(var.substring(0, eq), parseValue(var.substring(eq + 1)));
            }
            return variables;
        }

        /** JSON when the text is JSON ({@code true}, {@code 3}, {@code "x"}, {@code [1]}, {@code null}), else the text. */
        static Object parseValue(String text) {
            String t = text.strip();
            if (t.equals("True") || t.equals("False")) {
                return t.equals("True");
            }
            if (t.equals("None")) {
                return null;
            }
            try {
                return JSON.readValue(t, Object.class);
            } catch (JacksonException e) {
                return text;
            }
        }

        private static List<?> messagesOf(Object value, Path file) {
            if (value instanceof Map<?, ?> map && map.get("messages") instanceof List<?> list) {
                return list;
            }
            if (value instanceof List<?> list) {
                return list;
            }
            throw new TemplateException(file + ": expected a JSON array of messages or an object with \"messages\"");
        }

        private static List<?> readList(Path file, String what) {
            if (readJson(file) instanceof List<?> list) {
                return list;
            }
            throw new TemplateException(file + ": expected a JSON array of " + what);
        }

        private static Object readJson(Path file) {
            if (!Files.isRegularFile(file)) {
                throw new TemplateException(file + " not found");
            }
            try {
                return JSON.readValue(file.toFile(), Object.class);
            } catch (JacksonException e) {
                throw new TemplateException(file + " is not valid JSON: " + e.getOriginalMessage());
            }
        }

        @SuppressWarnings("unchecked")
        private static List<ChatMessage> toChatMessages(List<?> values) {
            List<ChatMessage> result = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                if (!(values.get(i) instanceof Map<?, ?> m) || !(m.get("role") instanceof String role)) {
                    throw new TemplateException("message " + (i + 1) + ": expected an object with a string \"role\"");
                }
                Object content = m.get("content");
                if (content != null && !(content instanceof String)) {
                    throw new TemplateException("message " + (i + 1) + ": field content must be text for built-in templates");
                }
                Map<String, Object> extra = new LinkedHashMap<>((Map<String, Object>) m);
                extra.remove("role");
                extra.remove("content");
                result.add(new ChatMessage(role, (String) content, extra));
            }
            return result;
        }

        @SuppressWarnings("unchecked")
        private static List<Map<String, Object>> toTools(List<?> values) {
            if (values == null) {
                return List.of();
            }
            List<Map<String, Object>> result = new ArrayList<>();
            for (Object v : values) {
                if (!(v instanceof Map<?, ?>)) {
                    throw new TemplateException("tools: each tool must be a JSON object");
                }
                result.add((Map<String, Object>) v);
            }
            return result;
        }
    }
}
