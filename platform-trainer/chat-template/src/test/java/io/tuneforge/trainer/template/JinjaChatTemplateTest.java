package io.tuneforge.trainer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.template.jinja.TemplateRaisedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading model templates from tokenizer configs and rendering {@link ChatMessage}s through them. */
class JinjaChatTemplateTest {

    @TempDir
    Path dir;

    private Path model(String configJson) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), configJson);
        return dir;
    }

    @Test
    void qwen3KeepsTheLastReasoningFromChatMessageExtras() {
        ChatTemplate qwen3 = ChatTemplates.forModel(Fixtures.path("tokenizers/qwen3"), java.util.Optional.empty());
        String text = qwen3.render(List.of(ChatMessage.of("user", "2+2?"),
                new ChatMessage("assistant", "4", Map.of("reasoning_content", "add them"))), List.of(), false, Map.of());
        assertThat(text).isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nadd them\n"
                + "</think>\n\n4<|im_end|>\n");
        assertThat(qwen3.stopStrings()).containsExactly("<|im_end|>");
        assertThat(qwen3.name()).isEqualTo("model");
    }

    @Test
    void llama3StopsAtEndOfTurnAndEos() {
        ChatTemplate llama3 = JinjaChatTemplate.of(TokenizerConfig.load(Fixtures.path("tokenizers/llama3")));
        assertThat(llama3.stopStrings()).containsExactly("<|eot_id|>", "<|end_of_text|>");
    }

    @Test
    void enableThinkingFalseAddsAnEmptyThinkBlock() {
        ChatTemplate qwen3 = JinjaChatTemplate.of(TokenizerConfig.load(Fixtures.path("tokenizers/qwen3")));
        assertThat(qwen3.render(List.of(ChatMessage.of("user", "Hi")), List.of(), true, Map.of("enable_thinking", false)))
                .endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void namedTemplatesUseToolUseOnlyWhenToolsAreGiven() throws IOException {
        Path m = model("""
                {"chat_template": [{"name": "default", "template": "plain{{ tools is none }}"},
                                   {"name": "tool_use", "template": "tools:{{ tools | length }}"}],
                 "bos_token": {"content": "<s>", "__type": "AddedToken"}, "eos_token": "</s>"}
                """);
        JinjaChatTemplate template = JinjaChatTemplate.of(TokenizerConfig.load(m));
        assertThat(template.render(List.of(), List.of(), false, Map.of())).isEqualTo("plainTrue");
        assertThat(template.render(List.of(), List.of(Map.of("name", "f")), false, Map.of())).isEqualTo("tools:1");
    }

    @Test
    void passesAddedTokenSpecialTokensAsStrings() throws IOException {
        Path m = model("""
                {"chat_template": "{{ bos_token }}|{{ eos_token }}|{{ additional_special_tokens }}|{{ pad_token is defined }}",
                 "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
                 "additional_special_tokens": ["<a>", {"content": "<b>"}]}
                """);
        assertThat(JinjaChatTemplate.of(TokenizerConfig.load(m)).render(List.of(), List.of(), false, Map.of()))
                .isEqualTo("<s>|</s>|['<a>', '<b>']|False");
    }

    @Test
    void chatTemplateJinjaFileTakesPrecedence() throws IOException {
        Path m = model("{\"chat_template\": \"from-config\"}");
        Files.writeString(m.resolve("chat_template.jinja"), "from-file\n");
        assertThat(JinjaChatTemplate.of(TokenizerConfig.load(m)).render(List.of(), List.of(), false, Map.of()))
                .isEqualTo("from-file");
    }

    @Test
    void raisedTemplateErrorCarriesTheTemplatesMessageAndLine() throws IOException {
        Path m = model("""
                {"chat_template": "{% for message in messages %}\\n{% if message.role == 'assistant' and loop.first %}\\n{{ raise_exception('Conversation must start with a user message') }}\\n{% endif %}\\n{% endfor %}"}
                """);
        ChatTemplate template = JinjaChatTemplate.of(TokenizerConfig.load(m));
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.of("assistant", "x")), List.of(), false, Map.of()))
                .isInstanceOfSatisfying(TemplateRaisedException.class, e -> {
                    assertThat(e.raisedMessage()).isEqualTo("Conversation must start with a user message");
                    assertThat(e.line()).isEqualTo(3);
                })
                .hasMessageContaining("Conversation must start with a user message");
    }

    @Test
    void runtimeErrorsNameTheTemplateLine() throws IOException {
        Path m = model("{\"chat_template\": \"ok\\n{{ messages[0].content.nope.deeper }}\"}");
        ChatTemplate template = JinjaChatTemplate.of(TokenizerConfig.load(m));
        assertThatThrownBy(() -> template.render(List.of(ChatMessage.of("user", "x")), List.of(), false, Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessage("chat template line 2: UndefinedError: 'str object' has no attribute 'nope'");
    }

    @Test
    void syntaxErrorsNameTheFileAndLine() throws IOException {
        Path m = model("{\"chat_template\": \"a\\n{% if %}\"}");
        assertThatThrownBy(() -> JinjaChatTemplate.of(TokenizerConfig.load(m)))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("tokenizer_config.json")
                .hasMessageContaining("line 2");
    }

    @Test
    void rejectsAMalformedTemplateList() throws IOException {
        Path m = model("{\"chat_template\": [{\"name\": \"default\"}]}");
        assertThatThrownBy(() -> TokenizerConfig.load(m))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("field chat_template");
    }
}
