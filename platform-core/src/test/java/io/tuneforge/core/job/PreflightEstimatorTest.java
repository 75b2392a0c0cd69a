package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeSource;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PreflightEstimatorTest {

    /** Llama-3.2-1B's config.json numbers. */
    private static final ModelDimensions LLAMA_1B = new ModelDimensions(2048, 16, 8192, 32, 8, 128256, true);

    @Test
    void countsLlamaOneBillionParametersFromItsConfig() {
        assertThat(LLAMA_1B.parameters()).isBetween(1_230_000_000L, 1_240_000_000L); // HF reports 1.236 B
    }

    @Test
    void loraOnAllLinearsMatchesPeftParameterCount() {
        JobRecipe recipe = recipe(Map.of("lora_rank", 8, "lora_target", "all"));
        // peft reports 5,636,096 trainable parameters for r=8 on all linears of Llama-3.2-1B
        assertThat(PreflightEstimator.loraParameters(LLAMA_1B, recipe.method().lora())).isEqualTo(5_636_096L);
    }

    @Test
    void oftCountsItsSkewSymmetricBlocksAndIsEstimatedAsAnAdapterBesideAFrozenBase() {
        JobRecipe oft = recipe(Map.of("finetuning_type", "oft", "oft_block_size", 32, "oft_target", "all"));
        // per layer: six linears with in = 2048 (64 blocks) and down_proj with in = 8192 (256 blocks), 32·31/2 each
        long perLayer = (6 * 64 + 256) * 496L;
        assertThat(PreflightEstimator.oftParameters(LLAMA_1B, oft.method().oft())).isEqualTo(16 * perLayer);
        // a block size that does not divide 2048 moves to the nearest divisor (PEFT's adjust_oft_parameters): 30 → 32
        JobRecipe adjusted = recipe(Map.of("finetuning_type", "oft", "oft_block_size", 30, "oft_target", "q_proj"));
        assertThat(PreflightEstimator.oftParameters(LLAMA_1B, adjusted.method().oft())).isEqualTo(16 * 64 * 496L);
        ResourceEstimate estimate = PreflightEstimator.estimate(LLAMA_1B, oft, 1000, false);
        assertThat(estimate.trainableParams()).isEqualTo(16 * perLayer);
        ResourceEstimate full = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full")), 1000,
                false);
        assertThat(estimate.gradientBytes()).isEqualTo(16 * perLayer * 4);               // float32 gradients
        assertThat(estimate.optimizerBytes()).isEqualTo(2 * 16 * perLayer * 4);         // AdamW's two moments
        assertThat(estimate.weightsBytes()).isEqualTo(LLAMA_1B.parameters() * 4 + 16 * perLayer * 4);
        assertThat(estimate.totalBytes()).isLessThan(full.totalBytes());
    }

    @Test
    void fullFineTuningNeedsFarMoreMemoryThanLora() {
        Map<String, Object> config = Map.of("per_device_train_batch_size", 1, "cutoff_len", 512);
        ResourceEstimate lora = PreflightEstimator.estimate(LLAMA_1B, recipe(config), 1000, true);
        ResourceEstimate full = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("per_device_train_batch_size", 1,
                "cutoff_len", 512, "finetuning_type", "full")), 1000, true);

        assertThat(full.optimizerBytes()).isEqualTo(2 * 4 * LLAMA_1B.parameters());
        assertThat(full.totalBytes()).isGreaterThan(2 * lora.totalBytes());
        assertThat(lora.totalBytes()).isEqualTo(lora.weightsBytes() + lora.gradientBytes() + lora.optimizerBytes()
                + lora.activationBytes() + lora.overheadBytes());
        assertThat(lora.trainingTokens()).isEqualTo(1000L * 512 * 3);
    }

    @Test
    void bf16HalvesTheFrozenBaseOfALoraJobOnly() {
        ResourceEstimate fp32 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of()), 1000, false);
        ResourceEstimate bf16 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("bf16", true)), 1000, false);
        long adapter = 4 * bf16.trainableParams();

        assertThat(bf16.weightsBytes() - adapter).isEqualTo((fp32.weightsBytes() - adapter) / 2);
        assertThat(bf16.optimizerBytes()).isEqualTo(fp32.optimizerBytes());
        ResourceEstimate full32 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full")),
                1000, false);
        ResourceEstimate full16 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full",
                "bf16", true)), 1000, false);
        assertThat(full16.weightsBytes()).as("full tuning keeps float32 weights").isEqualTo(full32.weightsBytes());
    }

    @Test
    void activationsGrowWithBatchAndCutoff() {
        long small = PreflightEstimator.estimate(LLAMA_1B,
                recipe(Map.of("per_device_train_batch_size", 1, "cutoff_len", 256)), 10, false).activationBytes();
        long large = PreflightEstimator.estimate(LLAMA_1B,
                recipe(Map.of("per_device_train_batch_size", 4, "cutoff_len", 1024)), 10, false).activationBytes();
        assertThat(large).isGreaterThan(16 * small);
    }

    @Test
    void maxStepsBoundsTheTrainedTokensWhateverTheDatasetSize() {
        ResourceEstimate estimate = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("max_steps", 10,
                "per_device_train_batch_size", 2, "gradient_accumulation_steps", 4, "cutoff_len", 128)), 1_000_000, false);

        assertThat(estimate.trainingTokens()).isEqualTo(10L * 2 * 4 * 128);
    }

    @Test
    void freezeTrainsTheChosenLayersOnly() {
        ResourceEstimate estimate = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "freeze",
                "freeze_trainable_layers", 3)), 10, false);

        assertThat(estimate.trainableParams()).isEqualTo(3 * LLAMA_1B.parametersPerLayer());
    }

    @Test
    void phi3sFusedTargetsCountAsTheirSeparateParts() {
        JobRecipe fused = recipe(Map.of("lora_target", "qkv_proj,gate_up_proj"));
        JobRecipe separate = recipe(Map.of("lora_target", "q_proj,k_proj,v_proj,gate_proj,up_proj"));

        // a fused linear has one A (r × C) where the separate ones have one each: 3 → 1 for q/k/v, 2 → 1 for gate/up
        long r = 8;
        long sharedInputs = r * LLAMA_1B.hiddenSize() * (3 - 1) + r * LLAMA_1B.hiddenSize() * (2 - 1);
        assertThat(PreflightEstimator.loraParameters(LLAMA_1B, fused.method().lora()))
                .isEqualTo(PreflightEstimator.loraParameters(LLAMA_1B, separate.method().lora())
                        - sharedInputs * LLAMA_1B.layers());
    }

    @Test
    void theEstimateCoversEveryPhaseAndItsTotalIsTheirSum() {
        ResourceEstimate estimate = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("val_size", 0.1,
                "predict_samples", 16, "predict_max_new_tokens", 256, "export_gguf", "q8_0")), 1000, false);

        PhaseSeconds phases = estimate.phases();
        assertThat(phases.training()).isPositive();
        assertThat(phases.evaluation()).isPositive();
        assertThat(phases.merging()).isPositive();
        assertThat(phases.predicting()).isPositive();
        assertThat(phases.exporting()).isPositive();
        assertThat(phases.calibrated()).isFalse();
        assertThat(estimate.estimatedSeconds()).isEqualTo(phases.training() + phases.evaluation() + phases.merging()
                + phases.predicting() + phases.exporting());
    }

    @Test
    void withoutValidationRowsThereIsNothingToEvaluateOrPredict() {
        PhaseSeconds phases = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("val_size", 0)), 1000, false)
                .phases();

        assertThat(phases.evaluation()).isZero();
        assertThat(phases.predicting()).isZero();
        assertThat(phases.exporting()).isZero();
    }

    @Test
    void measuredSpeedsReplaceTheDefaults() {
        JobRecipe recipe = recipe(Map.of("val_size", 16, "predict_samples", 16, "predict_max_new_tokens", 100,
                "cutoff_len", 128, "num_train_epochs", 2));
        MeasuredSpeeds measured = new MeasuredSpeeds(OptionalDouble.of(1000), OptionalDouble.of(64),
                OptionalDouble.of(1e7), OptionalDouble.empty());

        PhaseSeconds phases = PreflightEstimator.estimate(LLAMA_1B, recipe, 1000, false, measured).phases();

        // 1000 rows × 128 tokens × 2 epochs at 1000 tokens/s
        assertThat(phases.training()).isEqualTo(256);
        // base and tuned: 2 × 16 rows × 100 tokens at 64 tokens/s
        assertThat(phases.predicting()).isEqualTo(50);
        assertThat(phases.merging()).isEqualTo((long) Math.ceil(LLAMA_1B.parameters() / 1e7));
        // forward only, LoRA's 4·N training FLOPs vs 2·N: twice the training speed; 16 rows × 128 tokens × 2 epochs
        assertThat(phases.evaluation()).isEqualTo((long) Math.ceil(16 * 128 * 2 / 2000.0));
        assertThat(phases.calibrated()).isTrue();
    }

    @Test
    void optimizerMemoryFollowsTheOptimizer() {
        Map<String, Object> full = Map.of("finetuning_type", "full");
        long adamW = PreflightEstimator.estimate(LLAMA_1B, recipe(full), 10, false).optimizerBytes();
        ResourceEstimate sgd = PreflightEstimator.estimate(LLAMA_1B,
                recipe(Map.of("finetuning_type", "full", "optim", "sgd")), 10, false);
        long adafactor = PreflightEstimator.estimate(LLAMA_1B,
                recipe(Map.of("finetuning_type", "full", "optim", "adafactor")), 10, false).optimizerBytes();

        assertThat(adamW).isEqualTo(2 * 4 * LLAMA_1B.parameters());
        assertThat(sgd.optimizerBytes()).isZero();
        // per layer: q, o 2·(2048+2048); k, v 2·(512+2048); gate, up, down 3·(8192+2048); norms 2·2048
        long perLayer = 2 * 4096 + 2 * 2560 + 3 * 10240 + 2 * 2048;
        assertThat(adafactor).isEqualTo(4 * (16 * perLayer + (128256 + 2048) + 2048));
        assertThat(adafactor).isLessThan(adamW / 1000);
    }

    @Test
    void adafactorOnLoraKeepsRowsAndColumnsOfEachAdapterMatrix() {
        long state = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("optim", "adafactor", "lora_rank", 8,
                "lora_target", "q_proj")), 10, false).optimizerBytes();
        assertThat(state).isEqualTo(4L * 16 * ((8 + 2048) + (2048 + 8)));
    }

    @Test
    void doraAddsOneMagnitudePerOutputFeatureOfEachAdaptedLinear() {
        JobRecipe lora = recipe(Map.of("lora_rank", 8, "lora_target", "q_proj,v_proj"));
        JobRecipe dora = recipe(Map.of("lora_rank", 8, "lora_target", "q_proj,v_proj", "use_dora", true));
        long extra = PreflightEstimator.loraParameters(LLAMA_1B, dora.method().lora())
                - PreflightEstimator.loraParameters(LLAMA_1B, lora.method().lora());
        assertThat(extra).isEqualTo(16L * (2048 + 512));
    }

    private static JobRecipe recipe(Map<String, Object> values) {
        return JobRecipe.read(values, RecipeSource.FORM);
    }

    @Test
    void prefixTuningAndBottleneckAdaptersCountTheirOwnParametersOnAFrozenBase() {
        // LLAMA_1B: h 2048, 16 layers, 32 heads, 8 key/value heads: token_dim = 8 · 64 = 512
        JobRecipe prefix = JobRecipe.read(Map.of("finetuning_type", "prefix", "num_virtual_tokens", 10),
                RecipeSource.YAML);
        JobRecipe projected = JobRecipe.read(Map.of("finetuning_type", "prefix", "num_virtual_tokens", 10,
                "prefix_projection", true, "encoder_hidden_size", 256), RecipeSource.YAML);
        JobRecipe houlsby = JobRecipe.read(Map.of("finetuning_type", "adapter", "adapter_placement", "houlsby",
                "adapter_reduction_factor", 16), RecipeSource.YAML);
        JobRecipe pfeiffer = JobRecipe.read(Map.of("finetuning_type", "adapter"), RecipeSource.YAML);

        long width = 2L * 16 * 512;
        assertThat(PreflightEstimator.estimate(LLAMA_1B, prefix, 100, false).trainableParams())
                .isEqualTo(10 * width);
        assertThat(PreflightEstimator.estimate(LLAMA_1B, projected, 100, false).trainableParams())
                .isEqualTo(10 * 512 + (512 * 256 + 256) + (256 * width + width));
        long perAdapter = 2L * 2048 * 128 + 128 + 2048;
        assertThat(PreflightEstimator.estimate(LLAMA_1B, houlsby, 100, false).trainableParams())
                .isEqualTo(perAdapter * 16 * 2);
        ResourceEstimate adapter = PreflightEstimator.estimate(LLAMA_1B, pfeiffer, 100, false);
        assertThat(adapter.trainableParams()).isEqualTo(perAdapter * 16);
        assertThat(adapter.gradientBytes()).isEqualTo(perAdapter * 16 * 4);
        assertThat(adapter.optimizerBytes()).isEqualTo(2 * perAdapter * 16 * 4);
    }
}
