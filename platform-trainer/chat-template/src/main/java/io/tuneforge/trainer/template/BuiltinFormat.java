package io.tuneforge.trainer.template;

import java.util.List;

/**
 * One LLaMA-Factory chat format, as {@code register_template(...)} in LLaMA-Factory's
 * {@code src/llamafactory/data/template.py} declares it. Slots are text where {@code {{content}}} stands for the
 * message text and {@code {{bos}}} / {@code {{eos}}} for the tokenizer's BOS / EOS token (LLaMA-Factory's
 * {@code {"bos_token"}} / {@code {"eos_token"}} slot elements; a {@code {"token": ...}} element is its text). Slots
 * LLaMA-Factory leaves out are filled as its {@code register_template} does: user and system {@code {{content}}},
 * assistant {@code {{content}}{{eos}}} ({@code {{content}}} with {@code efficient_eos}), observation = user.
 *
 * @param name          the LLaMA-Factory template name ({@code template:} in a LLaMA-Factory YAML)
 * @param prefix        {@code format_prefix}: text before the first turn
 * @param system        {@code format_system}: the system text, written once before the first turn
 * @param user          {@code format_user}: a user turn; it ends with the assistant header
 * @param assistant     {@code format_assistant}: an assistant turn
 * @param observation   {@code format_observation}: a tool result ({@code tool} / {@code observation} message)
 * @param defaultSystem {@code default_system}: used when the conversation has no (or an empty) system text
 * @param stopWords     {@code stop_words}: extra end-of-turn tokens for generation
 * @param efficientEos  {@code efficient_eos}: turns carry no EOS; one EOS ends the whole training sequence
 * @param replaceEos    {@code replace_eos}: the first stop word becomes the tokenizer's EOS
 * @param layout        which LLaMA-Factory {@code template_class} assembles the turns
 */
public record BuiltinFormat(String name, String prefix, String system, String user, String assistant,
        String observation, String defaultSystem, List<String> stopWords, boolean efficientEos, boolean replaceEos,
        Layout layout) {

    /** LLaMA-Factory's {@code template_class}: how the slots are put together. */
    public enum Layout {
        /** {@code Template}: prefix + system before the first turn. */
        PLAIN,
        /** {@code Llama2Template}: the rendered system slot is prepended to the first user message. */
        FUSED_SYSTEM,
        /**
         * {@code ReasoningTemplate}: an answer without a {@code <think>} block gets an empty one; with
         * {@code enable_thinking} (the default) it belongs to the answer, without it to the prompt, and then every
         * {@code <think>\n...\n</think>\n\n} block is removed from the answers.
         */
        REASONING
    }

    public BuiltinFormat {
        stopWords = List.copyOf(stopWords);
        if (replaceEos && stopWords.isEmpty()) {
            throw new IllegalArgumentException(name + ": replace_eos needs stop words");
        }
    }
}
