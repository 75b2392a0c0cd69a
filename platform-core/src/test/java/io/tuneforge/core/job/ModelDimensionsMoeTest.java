package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mixture of experts' size from its {@code config.json}: all experts count in the parameters (and the memory that
 * holds them), only the top-k in the active parameters per token (what the time estimate computes with), and LoRA on
 * the expert projections adapts every expert.
 */
class ModelDimensionsMoeTest {

    @TempDir
    Path dir;

    /** Mixtral-8x7B-v0.1's config.json (the fields that size it). */
    private static final String MIXTRAL_8X7B = """
            {"architectures": ["MixtralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 32000,
             "num_local_experts": 8, "num_experts_per_tok": 2, "tie_word_embeddings": false}""";

    /** Qwen1.5-MoE-A2.7B's config.json: 60 experts of 1408, top 4, a shared expert of 5632. */
    private static final String QWEN_MOE_A27B = """
            {"architectures": ["Qwen2MoeForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
             "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632, "num_hidden_layers": 24,
             "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": 151936, "num_experts": 60,
             "num_experts_per_tok": 4, "decoder_sparse_step": 1, "mlp_only_layers": [], "tie_word_embeddings": false}""";

    @Test
    void mixtral8x7bHas46point7BillionParametersAnd12point9BillionActive() throws IOException {
        ModelDimensions m = read(MIXTRAL_8X7B);
        assertThat(m.experts()).hasValueSatisfying(e -> {
            assertThat(e.count()).isEqualTo(8);
            assertThat(e.perToken()).isEqualTo(2);
            assertThat(e.sparseLayers()).isEqualTo(32);
        });
        assertThat(m.parameters()).isBetween(46_650_000_000L, 46_750_000_000L);       // Mistral: 46.7 B
        assertThat(m.activeParameters()).isBetween(12_850_000_000L, 12_950_000_000L);  // Mistral: 12.9 B
    }

    @Test
    void qwenMoeA27bHas14point3BillionParametersAnd2point7BillionActive() throws IOException {
        ModelDimensions m = read(QWEN_MOE_A27B);
        assertThat(m.parameters()).isBetween(14_250_000_000L, 14_350_000_000L);       // Qwen: 14.3 B
        assertThat(m.activeParameters()).isBetween(2_650_000_000L, 2_750_000_000L);    // Qwen: 2.7 B activated
    }

    @Test
    void mlpOnlyLayersAreDense() throws IOException {
        ModelDimensions m = read(QWEN_MOE_A27B.replace("\"mlp_only_layers\": []", "\"mlp_only_layers\": [0, 5]"));
        assertThat(m.experts().orElseThrow().sparseLayers()).isEqualTo(22);
    }

    @Test
    void loraOnMixtralsExpertProjectionsAdaptsEveryExpertOfEveryLayer() throws IOException {
        ModelDimensions m = read(MIXTRAL_8X7B);
        JobRecipe experts = JobRecipe.read(Map.of("lora_rank", 8, "lora_target", "w1,w2,w3"), RecipeSource.FORM);
        // 3 projections × 8 experts × 32 layers, each A (8, 4096) + B (14336, 8) or the transpose
        assertThat(PreflightEstimator.loraParameters(m, experts.method().lora())).isEqualTo(3L * 8 * 32 * 8 * (4096 + 14336));
        JobRecipe router = JobRecipe.read(Map.of("lora_rank", 8, "lora_target", "gate"), RecipeSource.FORM);
        assertThat(PreflightEstimator.loraParameters(m, router.method().lora())).isEqualTo(32L * 8 * (4096 + 8));
    }

    @Test
    void aDenseConfigHasNoExpertsAndEveryParameterIsActive() throws IOException {
        ModelDimensions m = read("""
                {"hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
                 "num_key_value_heads": 8, "vocab_size": 128256, "tie_word_embeddings": true}""");
        assertThat(m.experts()).isEmpty();
        assertThat(m.activeParameters()).isEqualTo(m.parameters());
    }

    private ModelDimensions read(String config) throws IOException {
        Files.writeString(dir.resolve("config.json"), config);
        return ModelDimensions.read(dir);
    }
}
