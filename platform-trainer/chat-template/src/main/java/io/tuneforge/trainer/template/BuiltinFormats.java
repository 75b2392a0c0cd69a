package io.tuneforge.trainer.template;

import io.tuneforge.trainer.template.BuiltinFormat.Layout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The table of built-in chat formats: one entry per LLaMA-Factory template name, each mirroring the
 * {@code register_template(name=...)} call of LLaMA-Factory's {@code src/llamafactory/data/template.py} (revision
 * ff6d4d12 of 2026-08-18 unless noted). Omitted slots take {@code register_template}'s defaults (see
 * {@link Entry}). The golden test {@code LlamaFactoryGoldenTest} checks every entry against renders of
 * LLaMA-Factory's own code ({@code src/test/python/llamafactory_golden.py}).
 */
final class BuiltinFormats {

    private static final String IM_SYSTEM = "<|im_start|>system\n{{content}}<|im_end|>\n";
    private static final String IM_USER = "<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n";
    private static final String IM_ASSISTANT = "{{content}}<|im_end|>\n";
    private static final String QWEN_OBSERVATION =
            "<|im_start|>user\n<tool_response>\n{{content}}\n</tool_response><|im_end|>\n<|im_start|>assistant\n";
    private static final String GEMMA_USER = "<start_of_turn>user\n{{content}}<end_of_turn>\n<start_of_turn>model\n";
    private static final String GEMMA_OBSERVATION =
            "<start_of_turn>tool\n{{content}}<end_of_turn>\n<start_of_turn>model\n";

    /**
     * TuneForge's plain source → target layout for encoder-decoders (T5, Flan-T5), which LLaMA-Factory does not train:
     * the prompt is the source and ends with the EOS ({@code </s>}), where the T5 model splits encoder and decoder
     * input (DD036); the answer is the target, ending with the EOS too. A system message goes before the first
     * prompt. Not among {@link #ALL} (it is no LLaMA-Factory template): {@code template: auto} picks it for a T5.
     */
    static final BuiltinFormat SOURCE_TARGET = entry("t5").user("{{content}}{{eos}}").system("{{content}}\n\n")
            .build();

    /** In the order offered to users: TuneForge's first seven built-ins, then the rest alphabetically by family. */
    static final List<BuiltinFormat> ALL = List.of(
            // register_template(name="default", ...)
            entry("default").user("Human: {{content}}{{eos}}\nAssistant:").assistant("{{content}}{{eos}}\n")
                    .system("System: {{content}}{{eos}}\n").build(),
            // register_template(name="alpaca", ...)
            entry("alpaca").user("### Instruction:\n{{content}}\n\n### Response:\n").assistant("{{content}}{{eos}}\n\n")
                    .defaultSystem("Below is an instruction that describes a task. Write a response that "
                            + "appropriately completes the request.\n\n").build(),
            // register_template(name="llama2", ..., template_class=Llama2Template)
            entry("llama2").user("{{bos}}[INST] {{content}} [/INST]").system("<<SYS>>\n{{content}}\n<</SYS>>\n\n")
                    .layout(Layout.FUSED_SYSTEM).build(),
            // register_template(name="llama3", ...)
            entry("llama3").prefix("{{bos}}")
                    .user("<|start_header_id|>user<|end_header_id|>\n\n{{content}}<|eot_id|>"
                            + "<|start_header_id|>assistant<|end_header_id|>\n\n")
                    .assistant("{{content}}<|eot_id|>")
                    .system("<|start_header_id|>system<|end_header_id|>\n\n{{content}}<|eot_id|>")
                    .observation("<|start_header_id|>ipython<|end_header_id|>\n\n{{content}}<|eot_id|>"
                            + "<|start_header_id|>assistant<|end_header_id|>\n\n")
                    .stop("<|eot_id|>", "<|eom_id|>").replaceEos().build(),
            // register_template(name="qwen", ...)
            entry("qwen").user(IM_USER).assistant(IM_ASSISTANT).system(IM_SYSTEM).observation(QWEN_OBSERVATION)
                    .defaultSystem("You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
                    .stop("<|im_end|>").replaceEos().build(),
            // register_template(name="mistral", ..., template_class=Llama2Template)
            entry("mistral").prefix("{{bos}}").user("[INST] {{content}}[/INST]").assistant(" {{content}}{{eos}}")
                    .system("{{content}}\n\n")
                    .observation("[TOOL_RESULTS] {\"content\": {{content}}}[/TOOL_RESULTS]")
                    .layout(Layout.FUSED_SYSTEM).build(),
            // register_template(name="chatml", ...)
            entry("chatml").user(IM_USER).assistant(IM_ASSISTANT).system(IM_SYSTEM)
                    .observation("<|im_start|>tool\n{{content}}<|im_end|>\n<|im_start|>assistant\n")
                    .stop("<|im_end|>", "<|im_start|>").replaceEos().build(),
            // register_template(name="empty", ...)
            entry("empty").assistant("{{content}}").build(),
            // register_template(name="vicuna", ...)
            entry("vicuna").user("USER: {{content}} ASSISTANT:")
                    .defaultSystem("A chat between a curious user and an artificial intelligence assistant. "
                            + "The assistant gives helpful, detailed, and polite answers to the user's questions.")
                    .build(),
            // register_template(name="baichuan2", ...): removed as obsolete in LLaMA-Factory 5cccaeec (2026-01-09);
            // mirrors its last definition (revision 5fb5d7eb)
            entry("baichuan2").user("<reserved_106>{{content}}<reserved_107>").efficientEos().build(),
            // register_template(name="chatglm3", ...): {"token": ...} elements written as their text
            entry("chatglm3").prefix("[gMASK]sop").user("<|user|>\n{{content}}<|assistant|>")
                    .assistant("\n{{content}}").system("<|system|>\n{{content}}")
                    .observation("<|observation|>\n{{content}}<|assistant|>")
                    .stop("<|user|>", "<|observation|>").efficientEos().build(),
            // register_template(name="cohere", ...)
            entry("cohere").prefix("{{bos}}")
                    .user("<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{{content}}<|END_OF_TURN_TOKEN|>"
                            + "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")
                    .system("<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{{content}}<|END_OF_TURN_TOKEN|>").build(),
            // register_template(name="deepseek", ...)
            entry("deepseek").prefix("{{bos}}").user("User: {{content}}\n\nAssistant:").system("{{content}}\n\n")
                    .build(),
            // register_template(name="deepseek3", ...)
            entry("deepseek3").prefix("{{bos}}").user("<｜User｜>{{content}}<｜Assistant｜>").build(),
            // register_template(name="gemma", ..., template_class=Llama2Template)
            entry("gemma").prefix("{{bos}}").user(GEMMA_USER).assistant("{{content}}<end_of_turn>\n")
                    .system("{{content}}\n\n").observation(GEMMA_OBSERVATION).stop("<end_of_turn>").replaceEos()
                    .layout(Layout.FUSED_SYSTEM).build(),
            // register_template(name="gemma3", ..., template_class=Llama2Template): gemma's text slots (its
            // multimodal plugin does not change text-only conversations)
            entry("gemma3").prefix("{{bos}}").user(GEMMA_USER).assistant("{{content}}<end_of_turn>\n")
                    .system("{{content}}\n\n").observation(GEMMA_OBSERVATION).stop("<end_of_turn>").replaceEos()
                    .layout(Layout.FUSED_SYSTEM).build(),
            // register_template(name="glm4", ...)
            entry("glm4").prefix("[gMASK]<sop>").user("<|user|>\n{{content}}<|assistant|>")
                    .assistant("\n{{content}}").system("<|system|>\n{{content}}")
                    .observation("<|observation|>\n{{content}}<|assistant|>")
                    .stop("<|user|>", "<|observation|>").efficientEos().build(),
            // register_template(name="intern2", ...)
            entry("intern2").prefix("{{bos}}").user(IM_USER).assistant(IM_ASSISTANT).system(IM_SYSTEM)
                    .defaultSystem("You are an AI assistant whose name is InternLM (书生·浦语).\n"
                            + "- InternLM (书生·浦语) is a conversational language model that is developed by Shanghai "
                            + "AI Laboratory (上海人工智能实验室). It is designed to be helpful, honest, and harmless.\n"
                            + "- InternLM (书生·浦语) can understand and communicate fluently in the language "
                            + "chosen by the user such as English and 中文.")
                    .stop("<|im_end|>").build(),
            // register_template(name="olmo", ...): the prefix is the EOS token
            entry("olmo").prefix("{{eos}}").user("<|user|>\n{{content}}<|assistant|>\n").build(),
            // register_template(name="phi", ...)
            entry("phi").user("<|user|>\n{{content}}<|end|>\n<|assistant|>\n").assistant("{{content}}<|end|>\n")
                    .system("<|system|>\n{{content}}<|end|>\n").stop("<|end|>").replaceEos().build(),
            // register_template(name="phi4", ...)
            entry("phi4").user("<|im_start|>user<|im_sep|>{{content}}<|im_end|><|im_start|>assistant<|im_sep|>")
                    .assistant("{{content}}<|im_end|>").system("<|im_start|>system<|im_sep|>{{content}}<|im_end|>")
                    .stop("<|im_end|>").replaceEos().build(),
            // register_template(name="qwen3", ..., template_class=ReasoningTemplate)
            entry("qwen3").user(IM_USER).assistant(IM_ASSISTANT).system(IM_SYSTEM).observation(QWEN_OBSERVATION)
                    .stop("<|im_end|>").replaceEos().layout(Layout.REASONING).build(),
            // register_template(name="qwen3_nothink", ...): a plain Template (no thought handling) in LLaMA-Factory
            entry("qwen3_nothink").user(IM_USER).assistant(IM_ASSISTANT).system(IM_SYSTEM)
                    .observation(QWEN_OBSERVATION).stop("<|im_end|>").replaceEos().build(),
            // register_template(name="yi", ...)
            entry("yi").user(IM_USER).assistant(IM_ASSISTANT).system(IM_SYSTEM).stop("<|im_end|>").build());

    private static final Map<String, BuiltinFormat> BY_NAME = index();

    private BuiltinFormats() {
    }

    /** The format named {@code name}, if there is one. */
    static Optional<BuiltinFormat> find(String name) {
        return name.equals(SOURCE_TARGET.name()) ? Optional.of(SOURCE_TARGET) : Optional.ofNullable(BY_NAME.get(name));
    }

    private static Map<String, BuiltinFormat> index() {
        Map<String, BuiltinFormat> byName = new LinkedHashMap<>();
        for (BuiltinFormat format : ALL) {
            if (byName.put(format.name(), format) != null) {
                throw new IllegalStateException("template " + format.name() + " defined twice");
            }
        }
        return byName;
    }

    private static Entry entry(String name) {
        return new Entry(name);
    }

    /** One {@code register_template} call; the defaults are LLaMA-Factory's. */
    private static final class Entry {
        private final String name;
        private String prefix = "";
        private String user = "{{content}}";
        private String assistant;
        private String system = "{{content}}";
        private String observation;
        private String defaultSystem = "";
        private List<String> stopWords = new ArrayList<>();
        private boolean efficientEos;
        private boolean replaceEos;
        private Layout layout = Layout.PLAIN;

        private Entry(String name) {
            this.name = name;
        }

        Entry prefix(String slot) { prefix = slot; return this; }
        Entry user(String slot) { user = slot; return this; }
        Entry assistant(String slot) { assistant = slot; return this; }
        Entry system(String slot) { system = slot; return this; }
        Entry observation(String slot) { observation = slot; return this; }
        Entry defaultSystem(String text) { defaultSystem = text; return this; }
        Entry stop(String... words) { stopWords = List.of(words); return this; }
        Entry efficientEos() { efficientEos = true; return this; }
        Entry replaceEos() { replaceEos = true; return this; }
        Entry layout(Layout value) { layout = value; return this; }

        BuiltinFormat build() {
            // register_template: the assistant slot defaults to content + EOS (content alone with efficient_eos),
            // the observation slot to the user slot
            String assistantSlot = assistant != null ? assistant : efficientEos ? "{{content}}" : "{{content}}{{eos}}";
            return new BuiltinFormat(name, prefix, system, user, assistantSlot, observation != null ? observation : user,
                    defaultSystem, stopWords, efficientEos, replaceEos, layout);
        }
    }
}
