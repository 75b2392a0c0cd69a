package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer.json routes of GGUF tokenizer export (stories260K's tokenizer.model route is in LlamaGgufExporterTest). */
class GgufTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void llama3ByteLevelBpeBecomesGpt2WithMergesAndLlamaBpePreTokenizer() {
        GgufTokenizer t = GgufTokenizer.read(Fixtures.path("tokenizers/llama3"), 128256);
        assertThat(t.model()).isEqualTo("gpt2");
        assertThat(t.pre()).contains("llama-bpe");
        assertThat(t.tokens()).hasSize(128256);
        assertThat(t.merges()).hasSize(280147);
        assertThat(t.scores()).isEmpty();
        assertThat(t.tokens().get(128000)).isEqualTo("<|begin_of_text|>");
        assertThat(t.types()[128000]).isEqualTo(GgufTokenizer.CONTROL);
        assertThat(t.types()[1000]).isEqualTo(GgufTokenizer.NORMAL);
        assertThat(t.bos()).hasValue(128000);
        assertThat(t.eos()).hasValue(128001);
        assertThat(t.chatTemplate()).isPresent();
        assertThat(t.chatTemplate().flatMap(ChatFormat::detect)).contains(ChatFormat.LLAMA3);
    }

    @Test
    void qwen3MergePairsAreJoinedAndNonSpecialAddedTokensAreUserDefined() {
        GgufTokenizer t = GgufTokenizer.read(Fixtures.path("tokenizers/qwen3"), 151936);
        assertThat(t.pre()).contains("qwen2");
        assertThat(t.merges().getFirst()).isEqualTo("Ġ Ġ");
        assertThat(t.eos()).hasValue(151645);
        assertThat(t.pad()).hasValue(151643);
        assertThat(t.addBos()).contains(false);
        assertThat(t.types()[151645]).isEqualTo(GgufTokenizer.CONTROL);
        assertThat(t.tokens().get(151667)).isEqualTo("<think>");
        assertThat(t.types()[151667]).isEqualTo(GgufTokenizer.USER_DEFINED);
        assertThat(t.tokens().get(151935)).isEqualTo("[PAD151935]"); // padded up to config vocab_size
        assertThat(t.types()[151935]).isEqualTo(GgufTokenizer.UNUSED);
        assertThat(t.chatTemplate().flatMap(ChatFormat::detect)).contains(ChatFormat.CHATML);
    }

    @Test
    void sentencePieceStyleBpeWithoutTokenizerModelGetsScoresFromMergeRanks() throws Exception {
        Path stories = Fixtures.stories260K();
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "config.json"}) {
            Files.copy(stories.resolve(f), dir.resolve(f));
        }
        GgufTokenizer t = GgufTokenizer.read(dir, 512);
        assertThat(t.model()).isEqualTo("llama");
        float[] scores = t.scores().orElseThrow();
        assertThat(t.tokens().get(259)).isEqualTo("▁t"); // produced by merge 0 ("▁ t")
        assertThat(scores[259]).isEqualTo(0f);
        assertThat(t.tokens().get(260)).isEqualTo("he"); // merge 1
        assertThat(scores[260]).isEqualTo(-1f);
        assertThat(t.types()[3]).isEqualTo(GgufTokenizer.BYTE);
        assertThat(t.types()[0]).isEqualTo(GgufTokenizer.UNKNOWN);
        assertThat(t.types()[1]).isEqualTo(GgufTokenizer.CONTROL);
        assertThat(t.merges()).hasSize(165);
    }

    @Test
    void modelfileTemplatesUseOllamaGoSyntaxAndStopOnTurnEnds() {
        String llama3 = OllamaModelfile.render("m.gguf", ChatFormat.LLAMA3, java.util.Optional.of("<|end_of_text|>"));
        assertThat(llama3).contains("{{ range .Messages }}").contains("{{ if eq .Role \"user\" }}")
                .contains("<|start_header_id|>assistant<|end_header_id|>\n\n")
                .contains("PARAMETER stop \"<|eot_id|>\"").contains("PARAMETER stop \"<|end_of_text|>\"");
        String mistral = OllamaModelfile.render("m.gguf", ChatFormat.MISTRAL, java.util.Optional.of("</s>"));
        assertThat(mistral).contains("[INST] ").contains("PARAMETER stop \"[INST]\"");
        assertThat(mistral.split("PARAMETER stop \"</s>\"", -1)).hasSize(2); // EOS listed once
    }

    @Test
    void llamaFactoryTemplatesGiveTheirModelfileFormatWithTheModelsEos() {
        assertThat(ChatFormat.ofTemplate("default")).contains(ChatFormat.DEFAULT);
        assertThat(ChatFormat.ofTemplate("qwen3")).contains(ChatFormat.CHATML);
        assertThat(ChatFormat.ofTemplate("vicuna")).isEmpty();
        String modelfile = OllamaModelfile.render("m.gguf", ChatFormat.DEFAULT, java.util.Optional.of("</s>"));
        assertThat(modelfile).contains("chat format: default")
                .contains("Human: {{ .Content }}</s>\nAssistant:{{ else if eq .Role \"assistant\" }}{{ .Content }}</s>\n")
                .doesNotContain("{{/* eos */}}").doesNotContain(".Prompt");
        String alpaca = OllamaModelfile.render("m.gguf", ChatFormat.ALPACA, java.util.Optional.of("</s>"));
        assertThat(alpaca).contains("Write a response that appropriately completes the request.\n\n{{ end }}")
                .contains("### Instruction:\n{{ .Content }}\n\n### Response:\n");
    }
}
