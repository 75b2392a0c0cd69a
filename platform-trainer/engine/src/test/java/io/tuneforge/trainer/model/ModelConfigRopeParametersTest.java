package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** RoPE settings as transformers 5 writes them ({@code rope_parameters}, theta inside) and as 4.x did. */
class ModelConfigRopeParametersTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SIZES = "\"vocab_size\":64,\"hidden_size\":32,\"intermediate_size\":48,"
            + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":32";

    private static ModelConfig parse(String architecture, String extra) {
        JsonNode root = JSON.readTree("{\"architectures\":[\"" + architecture + "\"]," + SIZES + extra + "}");
        return ModelConfig.parse(root, "config.json");
    }

    @Test
    void transformers5RopeParametersCarryTheTheta() {
        ModelConfig c = parse("LlamaForCausalLM", ",\"rope_parameters\":{\"rope_theta\":500000.0,\"rope_type\":\"default\"}");
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(c.ropeScaling()).isEmpty();
    }

    @Test
    void transformers4TopLevelThetaAndRopeScalingStillRead() {
        ModelConfig c = parse("LlamaForCausalLM", ",\"rope_theta\":500000.0,\"rope_scaling\":{\"rope_type\":\"llama3\","
                + "\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}");
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(c.ropeScaling().orElseThrow().type()).isEqualTo("llama3");
    }

    @Test
    void phi3SuScalingIsLongRopeWithTheAttentionFactorFromTheContextRatio() {
        ModelConfig c = parse("Phi3ForCausalLM", ",\"original_max_position_embeddings\":8,\"rope_scaling\":{\"type\":\"su\","
                + "\"short_factor\":[1,1,1,1],\"long_factor\":[2,2,2,2]}");
        RopeScaling s = c.ropeScaling().orElseThrow();
        assertThat(s.isLongRope()).isTrue();
        assertThat(s.factor()).isEqualTo(4.0);                                 // 32 / 8
        assertThat(s.attentionFactor()).isCloseTo(Math.sqrt(1 + Math.log(4) / Math.log(8)),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.architecture().fusedProjections()).isTrue();
    }

    @Test
    void longRopeFactorsOfTheWrongLengthAndPartialRotaryAreRefusedNamingTheField() {
        assertThatThrownBy(() -> parse("Phi3ForCausalLM", ",\"rope_scaling\":{\"type\":\"longrope\","
                + "\"short_factor\":[1,1],\"long_factor\":[2,2,2,2]}"))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("short_factor")
                .hasMessageContaining("head_dim/2 = 4");
        assertThatThrownBy(() -> parse("Phi3ForCausalLM", ",\"partial_rotary_factor\":0.75,\"rope_parameters\":"
                + "{\"rope_theta\":10000.0,\"rope_type\":\"default\",\"partial_rotary_factor\":0.75}"))
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("partial_rotary_factor 0.75");
    }
}
