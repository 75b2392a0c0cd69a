package io.tuneforge.trainer.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code template: auto}: the model's own template, else its family's LLaMA-Factory template, else default. */
class ChatTemplateResolutionTest {

    @TempDir
    Path temp;

    private Path model(String name, String config, String tokenizerConfig) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(name));
        Files.writeString(dir.resolve("config.json"), config);
        Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
        return dir;
    }

    @Test
    void stories260KWithoutTemplateResolvesToDefault() {
        ResolvedTemplate resolved = ChatTemplates.resolve(Fixtures.stories260K(), Optional.empty());
        assertThat(resolved.name()).isEqualTo("default");
        assertThat(resolved.reason()).contains("no chat template of its own").contains("llama");
        assertThat(ChatTemplates.resolve(Fixtures.stories260K(), Optional.of("auto")).name()).isEqualTo("default");
        assertThat(ChatTemplates.resolve(Fixtures.stories260K(), Optional.of("model")).name()).isEqualTo("default");
    }

    @Test
    void aModelsOwnTemplateWinsOverItsFamily() throws IOException {
        Path dir = model("own", "{\"model_type\": \"qwen3\"}",
                "{\"eos_token\": \"</s>\", \"chat_template\": \"{% for m in messages %}{{ m.content }}{% endfor %}\"}");
        ResolvedTemplate resolved = ChatTemplates.resolve(dir, Optional.empty());
        assertThat(resolved.template()).isInstanceOf(JinjaChatTemplate.class);
        assertThat(resolved.reason()).contains("the model's own chat template");
    }

    @Test
    void llamaWithEotIdResolvesToLlama3() throws IOException {
        Path dir = model("l3", "{\"model_type\": \"llama\"}",
                "{\"eos_token\": \"<|eot_id|>\", \"bos_token\": \"<|begin_of_text|>\"}");
        assertThat(ChatTemplates.resolve(dir, Optional.empty()).name()).isEqualTo("llama3");
    }

    @Test
    void llamaNamedLlama2ResolvesToLlama2() throws IOException {
        Path dir = model("Llama-2-7b-hf", "{\"model_type\": \"llama\"}", "{\"eos_token\": \"</s>\"}");
        assertThat(ChatTemplates.resolve(dir, Optional.empty()).name()).isEqualTo("llama2");
    }

    @Test
    void familiesMapToLlamaFactoryTemplates() throws IOException {
        assertThat(ChatTemplates.resolve(model("q2", "{\"model_type\": \"qwen2\"}", "{}"), Optional.empty()).name())
                .isEqualTo("qwen");
        assertThat(ChatTemplates.resolve(model("q3", "{\"architectures\": [\"Qwen3ForCausalLM\"]}", "{}"),
                Optional.empty()).name()).isEqualTo("qwen3");
        assertThat(ChatTemplates.resolve(model("m", "{\"model_type\": \"mistral\"}", "{}"), Optional.empty()).name())
                .isEqualTo("mistral");
        assertThat(ChatTemplates.resolve(model("g", "{\"model_type\": \"gemma\"}", "{}"), Optional.empty()).name())
                .isEqualTo("gemma");
        assertThat(ChatTemplates.resolve(model("x", "{\"model_type\": \"gpt2\"}", "{}"), Optional.empty()).name())
                .isEqualTo("default");
    }

    @Test
    void aNamedTemplateIsUsedAsNamed() throws IOException {
        Path dir = model("named", "{\"model_type\": \"qwen3\"}", "{}");
        ResolvedTemplate resolved = ChatTemplates.resolve(dir, Optional.of("alpaca"));
        assertThat(resolved.name()).isEqualTo("alpaca");
        assertThat(resolved.reason()).isEqualTo("named in the settings");
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, Optional.of("nope")))
                .isInstanceOf(TemplateException.class).hasMessageContaining("unknown template 'nope'");
    }
}
