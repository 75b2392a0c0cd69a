package io.tuneforge.trainer.template;

/**
 * The chat template chosen for a model, and why it was chosen.
 *
 * @param template the template to render with
 * @param reason   a sentence a user can read: "named in the recipe", "the model's own chat template",
 *                 "stories260K has no chat template; its family (llama) without <|eot_id|> uses default"
 */
public record ResolvedTemplate(ChatTemplate template, String reason) {

    /** The template's name: a LLaMA-Factory name, or the model's own template's name. */
    public String name() {
        return template.name();
    }
}
