package io.tuneforge.trainer.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A checkpoint quantized ahead of time (GPTQ, AWQ, bitsandbytes-saved) is refused with the on-the-fly alternative. */
class PreQuantizedCheckpointTest {

    private static final String LLAMA = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 8,
             "num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 512, %s}""";

    @Test
    void gptqAwqAndBitsandbytesCheckpointsAreRefusedNamingTheirMethod() {
        for (String method : new String[] {"gptq", "awq", "aqlm", "bitsandbytes"}) {
            String config = LLAMA.formatted("\"quantization_config\": {\"quant_method\": \"" + method + "\"}");
            assertThatThrownBy(() -> ModelConfig.parse(JsonMapper.builder().build().readTree(config), "config.json"))
                    .isInstanceOf(ModelConfigException.class)
                    .hasMessageContaining("pre-quantized (quantization_config.quant_method " + method + ")")
                    .hasMessageContaining("quantization_bit: 4");
        }
    }
}
