package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Exports the real stories260K checkpoint and reads the result back with the independent npm parser. */
class LlamaGgufExporterTest {

    @TempDir
    Path dir;

    private JsonNode export(GgmlType type) throws Exception {
        Path out = dir.resolve("stories-" + type.name().toLowerCase() + ".gguf");
        LlamaGgufExporter.export(new GgufExportOptions(Fixtures.stories260K(), Optional.empty(), out, type,
                Optional.empty(), false));
        return GgufNodeReader.read(out);
    }

    private static Map<String, JsonNode> byName(JsonNode tensors) {
        Map<String, JsonNode> map = new HashMap<>();
        tensors.forEach(t -> map.put(t.get("name").asString(), t));
        return map;
    }

    private static List<Long> shape(JsonNode tensor) {
        List<Long> s = new ArrayList<>();
        tensor.get("shape").forEach(d -> s.add(Long.parseLong(d.asString())));
        return s;
    }

    private static long value(JsonNode md, String key) {
        return md.get(key).get("value").asLong();
    }

    @Test
    void llamaMetadataMatchesConfigJson() throws Exception {
        JsonNode md = export(GgmlType.F16).get("metadata");
        assertThat(md.get("general.architecture").get("value").asString()).isEqualTo("llama");
        assertThat(value(md, "general.file_type")).isEqualTo(1);
        assertThat(value(md, "llama.context_length")).isEqualTo(512);
        assertThat(value(md, "llama.embedding_length")).isEqualTo(64);
        assertThat(value(md, "llama.block_count")).isEqualTo(5);
        assertThat(value(md, "llama.feed_forward_length")).isEqualTo(172);
        assertThat(value(md, "llama.attention.head_count")).isEqualTo(8);
        assertThat(value(md, "llama.attention.head_count_kv")).isEqualTo(4);
        assertThat(value(md, "llama.rope.dimension_count")).isEqualTo(8);
        assertThat(value(md, "llama.vocab_size")).isEqualTo(512);
        assertThat(md.get("llama.attention.layer_norm_rms_epsilon").get("value").asDouble()).isEqualTo((double) 1e-5f);
        assertThat(md.get("llama.rope.freq_base").get("value").asDouble()).isEqualTo(10000.0);
    }

    @Test
    void sentencePieceVocabularyKeepsScoresAndTypes() throws Exception {
        JsonNode md = export(GgmlType.F32).get("metadata");
        assertThat(md.get("tokenizer.ggml.model").get("value").asString()).isEqualTo("llama");
        JsonNode tokens = md.get("tokenizer.ggml.tokens").get("value");
        JsonNode scores = md.get("tokenizer.ggml.scores").get("value");
        JsonNode types = md.get("tokenizer.ggml.token_type").get("value");
        assertThat(tokens).hasSize(512);
        // Reference values printed by python sentencepiece 0.1.97 for tokenizer.model.
        assertThat(tokens.get(0).asString()).isEqualTo("<unk>");
        assertThat(types.get(0).asInt()).isEqualTo(GgufTokenizer.UNKNOWN);
        assertThat(tokens.get(1).asString()).isEqualTo("<s>");
        assertThat(types.get(1).asInt()).isEqualTo(GgufTokenizer.CONTROL);
        assertThat(tokens.get(3).asString()).isEqualTo("<0x00>");
        assertThat(types.get(3).asInt()).isEqualTo(GgufTokenizer.BYTE);
        assertThat(tokens.get(300).asString()).isEqualTo("▁ha");
        assertThat(scores.get(300).asDouble()).isEqualTo(-41.0);
        assertThat(types.get(300).asInt()).isEqualTo(GgufTokenizer.NORMAL);
        assertThat(tokens.get(511).asString()).isEqualTo("\u200a");
        assertThat(scores.get(511).asDouble()).isEqualTo(-252.0);
        assertThat(value(md, "tokenizer.ggml.bos_token_id")).isEqualTo(1);
        assertThat(value(md, "tokenizer.ggml.eos_token_id")).isEqualTo(2);
        assertThat(value(md, "tokenizer.ggml.unknown_token_id")).isEqualTo(0);
        assertThat(md.has("tokenizer.ggml.padding_token_id")).isFalse();
        assertThat(md.get("tokenizer.ggml.add_bos_token").get("value").asBoolean()).isTrue();
        assertThat(md.has("tokenizer.chat_template")).isFalse(); // a base model
    }

    @Test
    void tensorNamesShapesAndTypesAreWhatLlamaCppExpects() throws Exception {
        Map<String, JsonNode> tensors = byName(export(GgmlType.Q8_0).get("tensors"));
        assertThat(tensors).hasSize(2 + 5 * 9).doesNotContainKey("output.weight"); // tied embeddings
        assertThat(shape(tensors.get("token_embd.weight"))).containsExactly(64L, 512L);
        assertThat(tensors.get("token_embd.weight").get("dtype").asInt()).isEqualTo(8);
        assertThat(shape(tensors.get("output_norm.weight"))).containsExactly(64L);
        assertThat(tensors.get("output_norm.weight").get("dtype").asInt()).isEqualTo(0);
        for (int layer = 0; layer < 5; layer++) {
            String b = "blk." + layer + ".";
            assertThat(shape(tensors.get(b + "attn_norm.weight"))).containsExactly(64L);
            assertThat(tensors.get(b + "attn_norm.weight").get("dtype").asInt()).isEqualTo(0);
            assertThat(tensors.get(b + "ffn_norm.weight").get("dtype").asInt()).isEqualTo(0);
            assertThat(shape(tensors.get(b + "attn_q.weight"))).containsExactly(64L, 64L);
            assertThat(shape(tensors.get(b + "attn_k.weight"))).containsExactly(64L, 32L);
            assertThat(shape(tensors.get(b + "attn_v.weight"))).containsExactly(64L, 32L);
            assertThat(shape(tensors.get(b + "attn_output.weight"))).containsExactly(64L, 64L);
            assertThat(shape(tensors.get(b + "ffn_gate.weight"))).containsExactly(64L, 172L);
            assertThat(shape(tensors.get(b + "ffn_up.weight"))).containsExactly(64L, 172L);
            assertThat(shape(tensors.get(b + "ffn_down.weight"))).containsExactly(172L, 64L);
            assertThat(tensors.get(b + "attn_q.weight").get("dtype").asInt()).isEqualTo(8);
            assertThat(tensors.get(b + "ffn_up.weight").get("dtype").asInt()).isEqualTo(8);
            // rows of 172 values are not whole blocks of 32: F16, as convert_hf_to_gguf.py falls back
            assertThat(tensors.get(b + "ffn_down.weight").get("dtype").asInt()).isEqualTo(1);
        }
    }

    @Test
    void queryAndKeyRowsArePermutedToInterleavedRope() throws Exception {
        Path out = dir.resolve("f32.gguf");
        LlamaGgufExporter.export(new GgufExportOptions(Fixtures.stories260K(), Optional.empty(), out, GgmlType.F32,
                Optional.empty(), false));
        JsonNode parsed = GgufNodeReader.read(out);
        Map<String, JsonNode> tensors = byName(parsed.get("tensors"));
        long dataStart = Long.parseLong(parsed.get("tensorDataOffset").asString());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        try (var source = SafetensorsWeightSource.openModelDir(Fixtures.stories260K())) {
            float[] k = source.read("model.layers.2.self_attn.k_proj.weight"); // (4 heads * 8, 64)
            int at = (int) (dataStart + Long.parseLong(tensors.get("blk.2.attn_k.weight").get("offset").asString()));
            // head 1, pair i = 2: GGUF rows 8 + 4 and 8 + 5 come from HF rows 8 + 2 (first half) and 8 + 6 (second)
            for (int col = 0; col < 64; col++) {
                assertThat(bytes.getFloat(at + 4 * ((8 + 4) * 64 + col))).isEqualTo(k[(8 + 2) * 64 + col]);
                assertThat(bytes.getFloat(at + 4 * ((8 + 5) * 64 + col))).isEqualTo(k[(8 + 6) * 64 + col]);
            }
            float[] v = source.read("model.layers.2.self_attn.v_proj.weight");
            int vAt = (int) (dataStart + Long.parseLong(tensors.get("blk.2.attn_v.weight").get("offset").asString()));
            for (int i = 0; i < v.length; i++) {
                assertThat(bytes.getFloat(vAt + 4 * i)).isEqualTo(v[i]);
            }
        }
    }

    @Test
    void modelfileSitsBesideTheGgufWithTemplateAndStops() throws Exception {
        Path out = dir.resolve("chat.gguf");
        var result = LlamaGgufExporter.export(new GgufExportOptions(Fixtures.stories260K(), Optional.empty(), out,
                GgmlType.F16, Optional.of(ChatFormat.CHATML), false));
        String modelfile = Files.readString(result.modelfile());
        assertThat(result.modelfile()).isEqualTo(dir.resolve("Modelfile"));
        assertThat(modelfile).contains("FROM ./chat.gguf")
                .contains("TEMPLATE \"\"\"{{ if .System }}<|im_start|>system")
                .contains("{{ range .Messages }}")
                .contains("PARAMETER stop \"<|im_end|>\"")
                .contains("PARAMETER stop \"</s>\"");
    }

    @Test
    void baseModelModelfileUsesTheRawPrompt() throws Exception {
        var result = LlamaGgufExporter.export(new GgufExportOptions(Fixtures.stories260K(), Optional.empty(),
                dir.resolve("base.gguf"), GgmlType.F32, Optional.empty(), false));
        assertThat(result.chatFormat()).isEqualTo(ChatFormat.RAW);
        assertThat(Files.readString(result.modelfile())).contains("TEMPLATE \"\"\"{{ .Prompt }}\"\"\"");
    }

    @Test
    void llama3RopeScalingBecomesARopeFreqsTensor() throws Exception {
        Path model = dir.resolve("rope-model");
        Files.createDirectories(model);
        try (var files = Files.list(Fixtures.stories260K())) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        String config = Files.readString(model.resolve("config.json")).replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
                        + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}");
        assertThat(config).contains("llama3");
        Files.writeString(model.resolve("config.json"), config);
        Path out = dir.resolve("rope.gguf");
        LlamaGgufExporter.export(new GgufExportOptions(model, Optional.empty(), out, GgmlType.F16, Optional.empty(),
                false));
        JsonNode rope = byName(GgufNodeReader.read(out).get("tensors")).get("rope_freqs.weight");
        assertThat(shape(rope)).containsExactly(4L); // head_dim 8 / 2
        assertThat(rope.get("dtype").asInt()).isZero();
    }

    @Test
    void refusesToOverwriteWithoutForce() throws Exception {
        Path out = dir.resolve("x.gguf");
        Files.writeString(out, "keep me");
        assertThatThrownBy(() -> LlamaGgufExporter.export(new GgufExportOptions(Fixtures.stories260K(),
                Optional.empty(), out, GgmlType.F32, Optional.empty(), false)))
                .isInstanceOf(ExportException.class).hasMessageContaining("--force");
        assertThat(Files.readString(out)).isEqualTo("keep me");
    }
}
