package io.tuneforge.trainer.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a model folder says about chat formatting: its Jinja2 chat template(s) (from {@code tokenizer_config.json},
 * or {@code chat_template.jinja} / {@code chat_template.json} beside it) and its special tokens.
 *
 * @param templates     named templates: {@code default} for a plain string template, plus e.g. {@code tool_use} when
 *                      the config holds a list of named templates; empty when the model has none
 * @param specialTokens the special tokens that are set, as Hugging Face passes them to templates: {@code bos_token},
 *                      {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code cls_token},
 *                      {@code mask_token} as strings, {@code additional_special_tokens} as a list of strings
 * @param source        the file the template came from, for messages
 */
public record TokenizerConfig(Map<String, String> templates, Map<String, Object> specialTokens, Path source) {

    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token", "additional_special_tokens");

    public TokenizerConfig {
        templates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(templates));
        specialTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    }

    /** The beginning-of-sequence token, when the tokenizer has one. */
    public Optional<String> bosToken() {
        return Optional.ofNullable(specialTokens.get("bos_token")).map(Object::toString);
    }

    /** The end-of-sequence token, when the tokenizer has one. */
    public Optional<String> eosToken() {
        return Optional.ofNullable(specialTokens.get("eos_token")).map(Object::toString);
    }

    /** A config without templates or tokens (for built-in templates used without a model folder). */
    public static TokenizerConfig empty() {
        return new TokenizerConfig(Map.of(), Map.of(), Path.of("."));
    }

    /**
     * Reads a model folder's {@code tokenizer_config.json} (and {@code chat_template.jinja} or
     * {@code chat_template.json} when present, which take precedence as in transformers).
     *
     * @throws TemplateException when the folder has no tokenizer_config.json or it is not valid JSON
     */
    public static TokenizerConfig load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            throw new TemplateException(file + " not found: a model folder needs tokenizer_config.json "
                    + "(use a Hugging Face model folder, or pick a built-in template with --template)");
        }
        Map<String, Object> config = readJson(file);
        Map<String, String> templates = parseTemplates(config.get("chat_template"), file);
        Path source = file;
        Path jinja = modelDir.resolve("chat_template.jinja");
        Path json = modelDir.resolve("chat_template.json");
        if (Files.isRegularFile(jinja)) {
            try {
                templates = Map.of("default", Files.readString(jinja));
                source = jinja;
            } catch (IOException e) {
                throw new TemplateException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        } else if (Files.isRegularFile(json)) {
            templates = parseTemplates(readJson(json).get("chat_template"), json);
            source = json;
        }
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKENS) {
            Object value = config.get(name);
            if (value instanceof List<?> list) {
                List<String> texts = new ArrayList<>();
                list.forEach(t -> texts.add(tokenText(t, file, name)));
                tokens.put(name, texts);
            } else if (value != null) {
                tokens.put(name, tokenText(value, file, name));
            }
        }
        return new TokenizerConfig(templates, tokens, source);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readJson(Path file) {
        try {
            Object value = JsonMapper.builder().build().readValue(file.toFile(), Object.class);
            if (!(value instanceof Map<?, ?>)) {
                throw new TemplateException(file + ": expected a JSON object");
            }
            return (Map<String, Object>) value;
        } catch (JacksonException e) {
            throw new TemplateException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, String> parseTemplates(Object value, Path file) {
        Map<String, String> templates = new LinkedHashMap<>();
        if (value instanceof String s) {
            templates.put("default", s);
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)
                        || !(m.get("template") instanceof String template)) {
                    throw new TemplateException(file + ": field chat_template: each entry of a template list needs "
                            + "string fields \"name\" and \"template\"");
                }
                templates.put(name, template);
            }
        } else if (value != null) {
            throw new TemplateException(file + ": field chat_template must be a string or a list of named templates");
        }
        return templates;
    }

    private static String tokenText(Object token, Path file, String field) {
        if (token instanceof String s) {
            return s;
        }
        if (token instanceof Map<?, ?> m && m.get("content") instanceof String s) {
            return s;
        }
        throw new TemplateException(file + ": field " + field + " must be a string or an AddedToken object with \"content\"");
    }
}
