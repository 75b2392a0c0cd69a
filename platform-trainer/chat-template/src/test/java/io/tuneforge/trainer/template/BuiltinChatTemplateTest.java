package io.tuneforge.trainer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The built-in templates follow LLaMA-Factory's slot definitions, with the tokenizer's BOS/EOS. */
class BuiltinChatTemplateTest {

    private static final List<ChatMessage> SYSTEM_USER_ASSISTANT = List.of(ChatMessage.of("system", "S"),
            ChatMessage.of("user", "U"), ChatMessage.of("assistant", "A"));

    private static TokenizerConfig stories() {
        return TokenizerConfig.load(Fixtures.stories260K());
    }

    private static String render(String name, TokenizerConfig tokenizer, List<ChatMessage> messages) {
        return BuiltinChatTemplate.named(name, tokenizer).render(messages, List.of(), false, Map.of());
    }

    @Test
    void llama3MatchesTheLlama3ModelTemplateForAPrompt() {
        TokenizerConfig llama3 = TokenizerConfig.load(Fixtures.path("tokenizers/llama3"));
        List<ChatMessage> prompt = List.of(ChatMessage.of("system", "You are kind."), ChatMessage.of("user", "Hi"));
        String builtin = render("llama3", llama3, prompt);
        assertThat(builtin).isEqualTo(JinjaChatTemplate.of(llama3).render(prompt, List.of(), true, Map.of()));
        assertThat(builtin).startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are kind.<|eot_id|>");
    }

    @Test
    void qwenMatchesTheQwen3ModelTemplateForAPromptWithSystem() {
        TokenizerConfig qwen3 = TokenizerConfig.load(Fixtures.path("tokenizers/qwen3"));
        List<ChatMessage> prompt = List.of(ChatMessage.of("system", "Sys"), ChatMessage.of("user", "Hi"));
        assertThat(render("qwen", qwen3, prompt))
                .isEqualTo(JinjaChatTemplate.of(qwen3).render(prompt, List.of(), true, Map.of()))
                .isEqualTo("<|im_start|>system\nSys<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwenUsesItsDefaultSystemPromptWhenTheConversationHasNone() {
        assertThat(render("qwen", stories(), List.of(ChatMessage.of("user", "Hi"), ChatMessage.of("assistant", "Yo"))))
                .isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                        + "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n");
    }

    @Test
    void llama2FusesTheSystemPromptIntoTheFirstUserTurn() {
        assertThat(render("llama2", stories(), SYSTEM_USER_ASSISTANT))
                .isEqualTo("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU [/INST]A</s>");
    }

    @Test
    void mistralFusesSystemAndPutsASpaceBeforeTheAnswer() {
        assertThat(render("mistral", stories(), SYSTEM_USER_ASSISTANT)).isEqualTo("<s>[INST] S\n\nU[/INST] A</s>");
    }

    @Test
    void defaultAndAlpacaUseTheTokenizersEos() {
        assertThat(render("default", stories(), SYSTEM_USER_ASSISTANT))
                .isEqualTo("System: S</s>\nHuman: U</s>\nAssistant:A</s>\n");
        assertThat(render("alpaca", stories(), List.of(ChatMessage.of("user", "Do X"), ChatMessage.of("assistant", "Done"))))
                .isEqualTo("Below is an instruction that describes a task. Write a response that appropriately "
                        + "completes the request.\n\n### Instruction:\nDo X\n\n### Response:\nDone</s>\n\n");
    }

    @Test
    void chatmlRendersToolResultsAndStopsAtImEnd() {
        BuiltinChatTemplate chatml = BuiltinChatTemplate.named("chatml", stories());
        String text = chatml.render(List.of(ChatMessage.of("user", "Q"), ChatMessage.of("assistant", "calling"),
                ChatMessage.of("tool", "42")), List.of(), true, Map.of());
        assertThat(text).isEqualTo("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\ncalling<|im_end|>\n"
                + "<|im_start|>tool\n42<|im_end|>\n<|im_start|>assistant\n");
        assertThat(chatml.stopStrings()).containsExactly("<|im_end|>", "<|im_start|>");
    }

    @Test
    void stopStringsFollowLlamaFactory() {
        assertThat(BuiltinChatTemplate.named("llama3", stories()).stopStrings()).containsExactly("<|eot_id|>", "<|eom_id|>");
        assertThat(BuiltinChatTemplate.named("qwen", stories()).stopStrings()).containsExactly("<|im_end|>");
        assertThat(BuiltinChatTemplate.named("llama2", stories()).stopStrings()).containsExactly("</s>");
        assertThat(ChatTemplates.builtin("default").stopStrings()).containsExactly("<|endoftext|>");
    }

    @Test
    void rejectsAnUnknownNameListingTheChoices() {
        assertThatThrownBy(() -> ChatTemplates.builtin("vicuna_v9"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("unknown template 'vicuna_v9'")
                .hasMessageContaining("default, alpaca, llama2, llama3, qwen, mistral, chatml");
    }

    @Test
    void refusesToolDefinitionsClearly() {
        assertThatThrownBy(() -> ChatTemplates.builtin("qwen").render(List.of(ChatMessage.of("user", "x")),
                List.of(Map.of("type", "function")), false, Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("does not format tool definitions");
    }

    @Test
    void aModelWithoutTemplateGetsItsFamilysOrDefault() {
        assertThat(ChatTemplates.forModel(Fixtures.stories260K(), Optional.empty()).name()).isEqualTo("default");
        assertThat(ChatTemplates.forModel(Fixtures.stories260K(), Optional.of("llama2")).name()).isEqualTo("llama2");
    }

    @Test
    void qwen3WithoutThinkingPutsTheEmptyThoughtIntoTheGenerationPrompt() {
        List<ChatMessage> prompt = List.of(ChatMessage.of("user", "Hi"));
        ChatTemplate qwen3 = ChatTemplates.builtin("qwen3");
        assertThat(qwen3.render(prompt, List.of(), true, Map.of("enable_thinking", false)))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        assertThat(qwen3.render(prompt, List.of(), true, Map.of()))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen3GivesAnAnswerWithoutThoughtAnEmptyOneWhenThinking() {
        assertThat(render("qwen3", stories(), List.of(ChatMessage.of("user", "Hi"), ChatMessage.of("assistant", "Yo"))))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nYo<|im_end|>\n");
    }

    @Test
    void efficientEosFormatsEndOnlyACompleteConversationWithTheEos() {
        List<ChatMessage> twoTurns = List.of(ChatMessage.of("user", "A"), ChatMessage.of("assistant", "B"),
                ChatMessage.of("user", "C"), ChatMessage.of("assistant", "D"));
        assertThat(render("glm4", stories(), twoTurns))
                .isEqualTo("[gMASK]<sop><|user|>\nA<|assistant|>\nB<|user|>\nC<|assistant|>\nD</s>");
        assertThat(render("glm4", stories(), twoTurns.subList(0, 3)))
                .isEqualTo("[gMASK]<sop><|user|>\nA<|assistant|>\nB<|user|>\nC<|assistant|>");
    }

    @Test
    void anEmptySystemMessageFallsBackToTheDefaultSystemPrompt() {
        assertThat(render("vicuna", stories(), List.of(ChatMessage.of("system", ""), ChatMessage.of("user", "Hi"))))
                .startsWith("A chat between a curious user and an artificial intelligence assistant.")
                .endsWith("USER: Hi ASSISTANT:");
    }

    @Test
    void encodeMultiturnRefusesMessagesOutOfTurn() {
        BuiltinChatTemplate qwen = BuiltinChatTemplate.named("qwen", stories());
        assertThatThrownBy(() -> qwen.encodeMultiturn(List.of(ChatMessage.of("user", "a"), ChatMessage.of("user", "b")),
                Map.of())).isInstanceOf(TemplateException.class).hasMessageContaining("message 2 should be an assistant");
        assertThat(qwen.encodeMultiturn(List.of(ChatMessage.of("user", "a"), ChatMessage.of("assistant", "b")), Map.of()))
                .containsExactly(new TurnPair("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a "
                        + "helpful assistant.<|im_end|>\n<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n",
                        "b<|im_end|>\n"));
    }

    @Test
    void namesListLlamaFactoryTemplatesAfterTheOriginalSeven() {
        assertThat(BuiltinChatTemplate.NAMES.subList(0, 7))
                .containsExactly("default", "alpaca", "llama2", "llama3", "qwen", "mistral", "chatml");
        assertThat(BuiltinChatTemplate.NAMES).contains("qwen3_nothink", "gemma3", "phi4", "deepseek3", "glm4", "olmo");
    }
}
