package io.tuneforge.trainer.template;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the chat template for a model folder: a built-in one when the user names it, otherwise the model's own
 * Jinja2 template; a model without one gets a clear error listing the built-in choices.
 */
public final class ChatTemplates {

    /** The name that selects the model's own template explicitly. */
    public static final String MODEL = "model";

    private ChatTemplates() {
    }

    /** The names a user may pass: {@code model} and the built-in ones. */
    public static List<String> names() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(MODEL), BuiltinChatTemplate.NAMES.stream())
                .toList();
    }

    /**
     * The template for {@code modelDir}: the built-in {@code templateName} if given (with the model's BOS/EOS
     * tokens), else the model's own template.
     *
     * @throws TemplateException when the model has no template and none is named, or the name is unknown
     */
    public static ChatTemplate forModel(Path modelDir, Optional<String> templateName) {
        TokenizerConfig config = TokenizerConfig.load(modelDir);
        return forConfig(config, templateName);
    }

    /** As {@link #forModel}, from an already loaded tokenizer config. */
    public static ChatTemplate forConfig(TokenizerConfig config, Optional<String> templateName) {
        if (templateName.isPresent() && !templateName.get().equals(MODEL)) {
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
