package io.tuneforge.trainer.template;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A built-in chat format with LLaMA-Factory's name and layout ({@code src/llamafactory/data/template.py}): slots for
 * prefix, system, user, assistant and observation (tool result) turns, where {@code {{content}}} is the message text,
 * {@code {{bos}}} / {@code {{eos}}} the tokenizer's tokens. As in LLaMA-Factory, the user slot already ends with the
 * assistant header, so {@code addGenerationPrompt} changes nothing; the system text (or the default system prompt)
 * goes before the first turn, or into the first user turn for {@code fuseSystem} formats (Llama 2, Mistral).
 *
 * @param name          the LLaMA-Factory template name
 * @param prefix        text before the first turn
 * @param system        the system slot
 * @param user          the user slot (ends with the assistant header)
 * @param assistant     the assistant slot
 * @param observation   the slot of a {@code tool} message
 * @param defaultSystem the system prompt used when the conversation has none ("" for none)
 * @param stopWords     LLaMA-Factory's stop words for this format
 * @param replaceEos    whether the first stop word replaces the tokenizer's EOS token ({@code replace_eos})
 * @param fuseSystem    whether the system text is prepended to the first user message (Llama2Template)
 * @param bosToken      the tokenizer's BOS token, empty when it has none
 * @param eosToken      the tokenizer's EOS token
 */
public record BuiltinChatTemplate(String name, String prefix, String system, String user, String assistant,
        String observation, String defaultSystem, List<String> stopWords, boolean replaceEos, boolean fuseSystem,
        Optional<String> bosToken, String eosToken) implements ChatTemplate {

    /** The EOS LLaMA-Factory adds when a tokenizer has none. */
    private static final String FALLBACK_EOS = "<|endoftext|>";

    /** The names of the built-in templates, in the order they are offered to users. */
    public static final List<String> NAMES = List.of("default", "alpaca", "llama2", "llama3", "qwen", "mistral", "chatml");

    /**
     * The built-in template {@code name} for a tokenizer.
     *
     * @throws TemplateException for an unknown name, listing the known ones
     */
    public static BuiltinChatTemplate named(String name, TokenizerConfig tokenizer) {
        Optional<String> bos = tokenizer.bosToken();
        String eos = tokenizer.eosToken().orElse(FALLBACK_EOS);
        String imUser = "<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n";
        String imSystem = "<|im_start|>system\n{{content}}<|im_end|>\n";
        return switch (name) {
            case "default" -> new BuiltinChatTemplate(name, "", "System: {{content}}{{eos}}\n",
                    "Human: {{content}}{{eos}}\nAssistant:", "{{content}}{{eos}}\n", "Human: {{content}}{{eos}}\nAssistant:",
                    "", List.of(), false, false, bos, eos);
            case "alpaca" -> new BuiltinChatTemplate(name, "", "{{content}}",
                    "### Instruction:\n{{content}}\n\n### Response:\n", "{{content}}{{eos}}\n\n",
                    "### Instruction:\n{{content}}\n\n### Response:\n",
                    "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n",
                    List.of(), false, false, bos, eos);
            case "llama2" -> new BuiltinChatTemplate(name, "", "<<SYS>>\n{{content}}\n<</SYS>>\n\n",
                    "{{bos}}[INST] {{content}} [/INST]", "{{content}}{{eos}}", "{{bos}}[INST] {{content}} [/INST]", "",
                    List.of(), false, true, bos, eos);
            case "llama3" -> new BuiltinChatTemplate(name, "{{bos}}",
                    "<|start_header_id|>system<|end_header_id|>\n\n{{content}}<|eot_id|>",
                    "<|start_header_id|>user<|end_header_id|>\n\n{{content}}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                    "{{content}}<|eot_id|>",
                    "<|start_header_id|>ipython<|end_header_id|>\n\n{{content}}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                    "", List.of("<|eot_id|>", "<|eom_id|>"), true, false, bos, eos);
            case "qwen" -> new BuiltinChatTemplate(name, "", imSystem, imUser, "{{content}}<|im_end|>\n",
                    "<|im_start|>user\n<tool_response>\n{{content}}\n</tool_response><|im_end|>\n<|im_start|>assistant\n",
                    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.", List.of("<|im_end|>"), true,
                    false, bos, eos);
            case "mistral" -> new BuiltinChatTemplate(name, "{{bos}}", "{{content}}\n\n", "[INST] {{content}}[/INST]",
                    " {{content}}{{eos}}", "[TOOL_RESULTS] {\"content\": {{content}}}[/TOOL_RESULTS]", "", List.of(),
                    false, true, bos, eos);
            case "chatml" -> new BuiltinChatTemplate(name, "", imSystem, imUser, "{{content}}<|im_end|>\n",
                    "<|im_start|>tool\n{{content}}<|im_end|>\n<|im_start|>assistant\n", "",
                    List.of("<|im_end|>", "<|im_start|>"), true, false, bos, eos);
            default -> throw new TemplateException("unknown template '" + name + "'; choose one of: "
                    + String.join(", ", NAMES));
        };
    }

    /** The EOS written by {@code {{eos}}} slots: the first stop word when the format replaces the EOS. */
    private String effectiveEos() {
        return replaceEos && !stopWords.isEmpty() ? stopWords.get(0) : eosToken;
    }

    private String fill(String slot, String content) {
        return slot.replace("{{bos}}", bosToken.orElse("")).replace("{{eos}}", effectiveEos())
                .replace("{{content}}", content);
    }

    @Override
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
            Map<String, Object> variables) {
        if (tools != null && !tools.isEmpty()) {
            throw new TemplateException("built-in template '" + name + "' does not format tool definitions; "
                    + "use the model's own chat template");
        }
        List<ChatMessage> turns = new ArrayList<>(messages);
        String systemText = defaultSystem;
        if (!turns.isEmpty() && turns.get(0).role().equals("system")) {
            systemText = turns.remove(0).content();
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < turns.size(); i++) {
            ChatMessage message = turns.get(i);
            String fused = "";
            if (i == 0) {
                out.append(fill(prefix, ""));
                if (!systemText.isEmpty()) {
                    if (fuseSystem) {
                        fused = fill(system, systemText);
                    } else {
                        out.append(fill(system, systemText));
                    }
                }
            }
            if (message.extra().get("tool_calls") != null) {
                throw new TemplateException("built-in template '" + name + "' does not format tool calls "
                        + "(message " + (i + 1) + "); use the model's own chat template");
            }
            String slot = switch (message.role()) {
                case "user" -> user;
                case "assistant" -> assistant;
                case "tool", "observation" -> observation;
                case "system" -> throw new TemplateException("built-in template '" + name
                        + "': a system message is only allowed first (message " + (i + 1) + ")");
                default -> throw new TemplateException("built-in template '" + name + "': unexpected role '"
                        + message.role() + "' (message " + (i + 1) + "); use system, user, assistant or tool");
            };
            String content = message.role().equals("user") ? fused + message.content() : message.content();
            out.append(fill(slot, content));
        }
        if (turns.isEmpty() && !systemText.isEmpty()) {
            out.append(fill(prefix, "")).append(fuseSystem ? "" : fill(system, systemText));
        }
        return out.toString();
    }

    @Override
    public List<String> stopStrings() {
        Set<String> stops = new LinkedHashSet<>(stopWords);
        stops.add(effectiveEos());
        return List.copyOf(stops);
    }
}
