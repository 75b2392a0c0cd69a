package io.tuneforge.trainer.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LlamaTensorNamesTest {

    /** Golden row orders from numpy running convert_hf_to_gguf.py's permute (src/test/python/gguf_permute_golden.py). */
    @Test
    void rowPermutationMatchesLlamaCppConvertScript() throws Exception {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/export/permute_golden.json")) {
            golden = JsonMapper.builder().build().readTree(in);
        }
        for (JsonNode c : golden.get("cases")) {
            int rows = c.get("rows").asInt();
            int heads = c.get("n_head_kv").asInt(); // the heads the rows form (n_head_kv for k_proj)
            int cols = 3;
            float[] w = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    w[r * cols + k] = r + k / 10f;
                }
            }
            float[] p = LlamaTensorNames.permuteRows(w, new long[] {rows, cols}, heads);
            for (int r = 0; r < rows; r++) {
                int expected = c.get("hfRowAtGgufRow").get(r).asInt();
                for (int k = 0; k < cols; k++) {
                    assertThat(p[r * cols + k]).as(c.get("name").asString() + " row " + r).isEqualTo(expected + k / 10f);
                }
            }
        }
    }

    @Test
    void llama3RopeFactorsMatchTheConvertScript() throws Exception {
        JsonNode rope;
        try (InputStream in = getClass().getResourceAsStream("/export/permute_golden.json")) {
            rope = JsonMapper.builder().build().readTree(in).get("llama3Rope");
        }
        var config = new LlamaExportConfig(131072, 4096, 32, 14336, 32, 8, rope.get("head_dim").asInt(), 1e-5,
                rope.get("rope_theta").asDouble(), 128256, false, 0,
                java.util.Optional.of(new LlamaExportConfig.Llama3Rope(rope.get("factor").asDouble(),
                        rope.get("low_freq_factor").asDouble(), rope.get("high_freq_factor").asDouble(),
                        rope.get("original_max_position_embeddings").asDouble())));
        float[] factors = config.ropeFrequencyFactors();
        assertThat(factors).hasSize(64);
        for (int i = 0; i < factors.length; i++) {
            assertThat(factors[i]).as("factor " + i).isEqualTo(rope.get("factors").get(i).floatValue());
        }
    }

    @Test
    void mapsHuggingFaceNamesToLlamaCppNames() {
        assertThat(LlamaTensorNames.map("model.layers.12.mlp.down_proj.weight").orElseThrow().name())
                .isEqualTo("blk.12.ffn_down.weight");
        assertThat(LlamaTensorNames.map("model.layers.0.self_attn.k_proj.weight").orElseThrow().permutation())
                .isEqualTo(LlamaTensorNames.Permutation.KEY);
        assertThat(LlamaTensorNames.map("lm_head.weight").orElseThrow().name()).isEqualTo("output.weight");
        assertThat(LlamaTensorNames.map("model.layers.0.self_attn.rotary_emb.inv_freq")).isEmpty();
        assertThatThrownBy(() -> LlamaTensorNames.map("model.layers.0.self_attn.q_proj.bias"))
                .isInstanceOf(ExportException.class).hasMessageContaining("q_proj.bias");
    }
}
