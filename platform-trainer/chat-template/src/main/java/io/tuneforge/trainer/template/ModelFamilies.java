package io.tuneforge.trainer.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The LLaMA-Factory template of a model's family, for models without a chat template of their own. The family is
 * read from {@code config.json} ({@code model_type}, else the first of {@code architectures}); the table follows the
 * templates LLaMA-Factory's model registry ({@code src/llamafactory/extras/constants.py}) pairs with each family.
 */
final class ModelFamilies {

    /** What the rule picked and why, in words. */
    record Choice(String template, String why) {
    }

    /** model_type → LLaMA-Factory template, for families whose template does not depend on the tokenizer. */
    private static final Map<String, String> BY_MODEL_TYPE = Map.ofEntries(
            Map.entry("qwen2", "qwen"), Map.entry("qwen2_moe", "qwen"),
            Map.entry("qwen3", "qwen3"), Map.entry("qwen3_moe", "qwen3"),
            Map.entry("mistral", "mistral"), Map.entry("mixtral", "mistral"),
            Map.entry("gemma", "gemma"), Map.entry("gemma2", "gemma"),
            Map.entry("gemma3", "gemma3"), Map.entry("gemma3_text", "gemma3"),
            Map.entry("phi3", "phi"), Map.entry("cohere", "cohere"), Map.entry("cohere2", "cohere"),
            Map.entry("deepseek_v3", "deepseek3"), Map.entry("glm4", "glm4"), Map.entry("internlm2", "intern2"),
            Map.entry("olmo", "olmo"), Map.entry("olmo2", "olmo"),
            Map.entry("t5", "t5"));

    private ModelFamilies() {
    }

    /** The family's template for {@code modelDir}, {@code default} when the family is unknown or not llama 2/3. */
    static Choice choose(Path modelDir) {
        Map<String, Object> config = readConfig(modelDir);
        Optional<String> family = family(config);
        if (family.isEmpty()) {
            return new Choice("default", "its family is unknown (no model_type in config.json)");
        }
        String type = family.get();
        if (type.equals("llama")) {
            if (hasToken(modelDir, "<|eot_id|>")) {
                return new Choice("llama3", "its family (llama) has <|eot_id|> in its tokenizer");
            }
            if (mentionsLlama2(modelDir, config)) {
                return new Choice("llama2", "its family (llama) is named Llama 2 and has no <|eot_id|>");
            }
            return new Choice("default", "its family (llama) has no <|eot_id|> and is not named Llama 2");
        }
        String template = BY_MODEL_TYPE.get(type);
        if (template == null) {
            return new Choice("default", "its family (" + type + ") has no LLaMA-Factory template here");
        }
        return new Choice(template, "its family is " + type);
    }

    private static Optional<String> family(Map<String, Object> config) {
        if (config.get("model_type") instanceof String type && !type.isBlank()) {
            return Optional.of(type.toLowerCase(Locale.ROOT));
        }
        if (config.get("architectures") instanceof List<?> list && !list.isEmpty()
                && list.get(0) instanceof String architecture) {
            String a = architecture.toLowerCase(Locale.ROOT);
            for (String type : List.of("qwen3", "qwen2", "llama", "mistral", "mixtral", "gemma3", "gemma2", "gemma",
                    "phi3", "cohere", "olmo", "t5")) {
                if (a.startsWith(type)) {
                    return Optional.of(type);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean mentionsLlama2(Path modelDir, Map<String, Object> config) {
        String name = (config.get("_name_or_path") instanceof String s ? s : "") + " "
                + Optional.ofNullable(modelDir.toAbsolutePath().normalize().getFileName()).map(Path::toString).orElse("");
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("llama-2") || n.contains("llama2") || n.contains("llama_2");
    }

    /** Whether the tokenizer's files name {@code token} (as an added or special token). */
    private static boolean hasToken(Path modelDir, String token) {
        for (String file : List.of("tokenizer_config.json", "tokenizer.json", "special_tokens_map.json")) {
            Path path = modelDir.resolve(file);
            try {
                if (Files.isRegularFile(path) && Files.readString(path).contains(token)) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable file names no token; the template is still chosen from the others
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readConfig(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            Object value = JsonMapper.builder().build().readValue(file.toFile(), Object.class);
            return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        } catch (JacksonException e) {
            throw new TemplateException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
