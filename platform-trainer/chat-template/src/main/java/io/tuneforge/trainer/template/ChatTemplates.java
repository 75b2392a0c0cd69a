package io.tuneforge.trainer.template;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the chat template for a model folder, the one rule every entry point (worker, playground, evaluation,
 * dataset preview, CLI) follows: a built-in one when the user names it; otherwise ({@code auto}) the model's own
 * Jinja2 template, or, for a model without one, the LLaMA-Factory template of its family ({@link ModelFamilies}),
 * else {@code default}. So a job with {@code template: auto} cannot fail late for want of a template.
 */
public final class ChatTemplates {

    /**
     * The name that selects the model's own template (as {@link #AUTO}: its family's when it has none). Kept for
     * the playground and CLI, where "the model's own" is the familiar word.
     */
    public static final String MODEL = "model";

    /** The recipe's name for the automatic choice: the model's own template, else its family's, else default. */
    public static final String AUTO = "auto";

    private ChatTemplates() {
    }

    /** The names a user may pass: {@code model} and the built-in ones. */
    public static List<String> names() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(MODEL), BuiltinChatTemplate.NAMES.stream())
                .toList();
    }

    /**
     * The template for {@code modelDir} (see {@link #resolve}).
     *
     * @throws TemplateException when the name is unknown or the model folder's files cannot be read
     */
    public static ChatTemplate forModel(Path modelDir, Optional<String> templateName) {
        return resolve(modelDir, templateName).template();
    }

    /** Whether {@code templateName} asks for the automatic choice (empty, {@code auto} or {@code model}). */
    public static boolean isAutomatic(Optional<String> templateName) {
        return templateName.isEmpty() || templateName.get().isBlank() || templateName.get().equals(AUTO)
                || templateName.get().equals(MODEL);
    }

    /**
     * The template for {@code modelDir} and why: the built-in {@code templateName} if one is named (with the model's
     * BOS/EOS tokens); else the model's own template; else its family's LLaMA-Factory template; else {@code default}.
     *
     * @throws TemplateException when the name is unknown, the model folder has no readable tokenizer_config.json, or
     *                           the model's own template does not parse
     */
    public static ResolvedTemplate resolve(Path modelDir, Optional<String> templateName) {
        TokenizerConfig config = TokenizerConfig.load(modelDir);
        if (!isAutomatic(templateName)) {
            return new ResolvedTemplate(BuiltinChatTemplate.named(templateName.get(), config), "named in the settings");
        }
        if (!config.templates().isEmpty()) {
            return new ResolvedTemplate(JinjaChatTemplate.of(config), "the model's own chat template ("
                    + config.source().getFileName() + ")");
        }
        ModelFamilies.Choice choice = ModelFamilies.choose(modelDir);
        return new ResolvedTemplate(BuiltinChatTemplate.named(choice.template(), config),
                "the model has no chat template of its own and " + choice.why());
    }

    /**
     * As {@link #forModel} from an already loaded tokenizer config, without the family rule (there is no folder):
     * a model without a template of its own needs a named one.
     */
    public static ChatTemplate forConfig(TokenizerConfig config, Optional<String> templateName) {
        if (!isAutomatic(templateName)) {
            return BuiltinChatTemplate.named(templateName.get(), config);
        }
        if (config.templates().isEmpty()) {
            throw new TemplateException("this model has no chat template (" + config.source()
                    + " has no chat_template); choose one of: " + String.join(", ", BuiltinChatTemplate.NAMES)
                    + " (e.g. --template " + BuiltinChatTemplate.NAMES.get(0) + ")");
        }
        return JinjaChatTemplate.of(config);
    }

    /** A built-in template without a model folder (no BOS token; EOS {@code <|endoftext|>} unless replaced). */
    public static ChatTemplate builtin(String name) {
        return BuiltinChatTemplate.named(name, TokenizerConfig.empty());
    }
}
