package io.tuneforge.trainer.template;

import java.util.List;
import java.util.Map;

/**
 * Turns a conversation into the exact text a model is trained on and served with: either a model's own Jinja2
 * {@code chat_template} from {@code tokenizer_config.json}, or one of the built-in LLaMA-Factory-named templates.
 */
public interface ChatTemplate {

    /** The template's name: a built-in name ({@code llama3}, {@code chatml}, ...) or {@code model} for the model's own. */
    String name();

    /**
     * Renders a conversation.
     *
     * @param messages            the conversation, in order
     * @param tools               tool definitions as templates expect them (JSON-like maps); empty for none
     * @param addGenerationPrompt append the header that starts the assistant's next turn
     * @param variables           extra template variables (for example {@code enable_thinking=false})
     * @throws TemplateException when the template raises an error or cannot be rendered
     */
    String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
            Map<String, Object> variables);

    /** Strings that end an assistant turn in this format (for stop strings and Ollama's {@code PARAMETER stop}). */
    List<String> stopStrings();
}
