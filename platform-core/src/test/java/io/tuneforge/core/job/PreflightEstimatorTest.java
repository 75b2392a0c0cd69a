package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class PreflightEstimatorTest {

    /** Llama-3.2-1B's config.json numbers. */
    private static final ModelDimensions LLAMA_1B = new ModelDimensions(2048, 16, 8192, 32, 8, 128256, true);

    @Test
    void countsLlamaOneBillionParametersFromItsConfig() {
        assertThat(LLAMA_1B.parameters()).isBetween(1_230_000_000L, 1_240_000_000L); // HF reports 1.236 B
    }

    @Test
    void loraOnAllLinearsMatchesPeftParameterCount() {
        var config = JsonMapper.builder().build().readTree("{\"lora_rank\": 8, \"lora_target\": \"all\"}");
        // peft reports 5,636,096 trainable parameters for r=8 on all linears of Llama-3.2-1B
        assertThat(PreflightEstimator.loraParameters(LLAMA_1B, config)).isEqualTo(5_636_096L);
    }

    @Test
    void fullFineTuningNeedsFarMoreMemoryThanLora() {
        var json = JsonMapper.builder().build();
        var config = json.readTree("{\"per_device_train_batch_size\": 1, \"cutoff_len\": 512}");
        ResourceEstimate lora = PreflightEstimator.estimate(LLAMA_1B, FineTuningMethod.LORA, config, 1000, true);
        ResourceEstimate full = PreflightEstimator.estimate(LLAMA_1B, FineTuningMethod.FULL, config, 1000, true);

        assertThat(full.optimizerBytes()).isEqualTo(2 * 4 * LLAMA_1B.parameters());
        assertThat(full.totalBytes()).isGreaterThan(2 * lora.totalBytes());
        assertThat(lora.totalBytes()).isEqualTo(lora.weightsBytes() + lora.gradientBytes() + lora.optimizerBytes()
                + lora.activationBytes() + lora.overheadBytes());
        assertThat(lora.trainingTokens()).isEqualTo(1000L * 512 * 3);
    }

    @Test
    void activationsGrowWithBatchAndCutoff() {
        var json = JsonMapper.builder().build();
        long small = PreflightEstimator.estimate(LLAMA_1B, FineTuningMethod.LORA,
                json.readTree("{\"per_device_train_batch_size\": 1, \"cutoff_len\": 256}"), 10, false).activationBytes();
        long large = PreflightEstimator.estimate(LLAMA_1B, FineTuningMethod.LORA,
                json.readTree("{\"per_device_train_batch_size\": 4, \"cutoff_len\": 1024}"), 10, false).activationBytes();
        assertThat(large).isGreaterThan(16 * small);
    }
}
