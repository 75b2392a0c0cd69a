package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeSource;
import java.util.List;
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

    /** Qwen3-0.6B's and Gemma-2-2B's config.json numbers: heads wider than hidden_size / num_attention_heads. */
    private static final ModelDimensions QWEN3_06B = new ModelDimensions(1024, 28, 3072, 16, 8, 151936, true, 128);
    private static final ModelDimensions GEMMA2_2B = new ModelDimensions(2304, 26, 9216, 8, 4, 256000, true, 256);

    @Test
    void countsParametersOfModelsWhoseHeadDimIsNotHiddenOverHeads() {
        // transformers 5.18 reports 596,049,920 and 2,614,341,888; the difference is Qwen3's per-head q/k norms and
        // Gemma 2's two extra norms per layer, a few hundred thousandths
        assertThat(QWEN3_06B.parameters()).isCloseTo(596_049_920L, org.assertj.core.data.Percentage.withPercentage(0.01));
        assertThat(GEMMA2_2B.parameters()).isCloseTo(2_614_341_888L, org.assertj.core.data.Percentage.withPercentage(0.01));
    }

    @Test
    void loraOnAllLinearsMatchesPeftParameterCountWhateverTheHeadWidth() {
        JobRecipe recipe = recipe(Map.of("lora_rank", 8, "lora_target", "all"));
        // peft 0.21 reports these trainable parameters for r=8, target_modules="all-linear"
        assertThat(PreflightEstimator.loraParameters(QWEN3_06B, recipe.method().lora())).isEqualTo(5_046_272L);
        assertThat(PreflightEstimator.loraParameters(GEMMA2_2B, recipe.method().lora())).isEqualTo(10_383_360L);
    }

    @Test
    void readsHeadDimFromConfigJson(@org.junit.jupiter.api.io.TempDir java.nio.file.Path model) throws Exception {
        java.nio.file.Files.writeString(model.resolve("config.json"), """
                {"hidden_size": 1024, "num_hidden_layers": 28, "intermediate_size": 3072,
                 "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936,
                 "tie_word_embeddings": true}""");

        assertThat(ModelDimensions.read(model)).isEqualTo(QWEN3_06B);
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
    void pureBf16CountsAsBf16WithTheTrainedWeightsStillInFloat32Arrays() {
        ResourceEstimate bf16 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("bf16", true)), 1000, false);
        ResourceEstimate pure = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("pure_bf16", true)), 1000, false);
        assertThat(pure.weightsBytes()).as("LoRA: the frozen base in bf16").isEqualTo(bf16.weightsBytes());
        ResourceEstimate full32 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full")),
                1000, false);
        ResourceEstimate fullPure = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full",
                "pure_bf16", true)), 1000, false);
        // DD040: the values are rounded to bf16, the arrays stay float32 (DJL cannot hold bf16)
        assertThat(fullPure.weightsBytes()).isEqualTo(full32.weightsBytes());
        assertThat(fullPure.optimizerBytes()).isEqualTo(full32.optimizerBytes());
    }

    @Test
    void dpoCountsAFrozenReferenceForFullAndFreezeButNotForLoraOrReferenceFreeLosses() {
        ResourceEstimate sftFull = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full")),
                1000, false);
        ResourceEstimate dpoFull = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full",
                "stage", "dpo")), 1000, false);
        ResourceEstimate dpoFreeze = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "freeze",
                "stage", "dpo")), 1000, false);
        ResourceEstimate dpoLora = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("stage", "dpo")), 1000, false);
        ResourceEstimate simpo = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full",
                "stage", "dpo", "pref_loss", "simpo")), 1000, false);

        assertThat(sftFull.referenceBytes()).isZero();
        assertThat(dpoFull.referenceBytes()).as("a float32 copy of every weight").isEqualTo(4 * LLAMA_1B.parameters());
        assertThat(dpoFreeze.referenceBytes()).isEqualTo(4 * LLAMA_1B.parameters());
        assertThat(dpoLora.referenceBytes()).as("the base with adapters off is the reference").isZero();
        assertThat(simpo.referenceBytes()).as("SimPO needs no reference").isZero();
        assertThat(dpoFull.totalBytes()).isGreaterThan(sftFull.totalBytes() + dpoFull.referenceBytes());
        assertThat(dpoFull.activationBytes()).as("chosen and rejected rows of each pair")
                .isGreaterThan(sftFull.activationBytes());
    }

    @Test
    void activationsGrowWithBatchAndCutoff() {
        long small = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("per_device_train_batch_size", 1,
                "cutoff_len", 256, "disable_gradient_checkpointing", true)), 10, false).activationBytes();
        long large = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("per_device_train_batch_size", 4,
                "cutoff_len", 1024, "disable_gradient_checkpointing", true)), 10, false).activationBytes();
        assertThat(large).isGreaterThan(16 * small);
    }

    @Test
    void gradientCheckpointingKeepsOnlyEachLayersInputPlusOneRecomputedLayer() {
        Map<String, Object> shape = Map.of("per_device_train_batch_size", 4, "cutoff_len", 1024);
        long checkpointed = PreflightEstimator.estimate(LLAMA_1B, recipe(shape), 10, false).activationBytes();
        java.util.HashMap<String, Object> disabled = new java.util.HashMap<>(shape);
        disabled.put("disable_gradient_checkpointing", true);
        long kept = PreflightEstimator.estimate(LLAMA_1B, recipe(disabled), 10, false).activationBytes();

        long inputs = 16L * 4 * 1024 * 2048 * 4;                      // layers × (b, s, h) float32 inputs
        long perLayer = (long) (1024.0 * 4 * 2048 * (34 + 5.0 * 32 * 1024 / 2048) * 2);
        assertThat(kept - checkpointed).isEqualTo(15 * perLayer - inputs);
        assertThat(checkpointed).isLessThan(kept / 4);
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
    void eightBitAdamWKeepsAboutTwoBytesPerTrainedWeightInsteadOfEight() {
        long adamW = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full")), 10, false)
                .optimizerBytes();
        long embedding = 128256L * 2048;
        long quantized = LLAMA_1B.parameters() - embedding;
        for (String name : List.of("adamw_8bit", "adamw_bnb_8bit", "paged_adamw_8bit")) {
            long eightBit = PreflightEstimator.estimate(LLAMA_1B,
                    recipe(Map.of("finetuning_type", "full", "optim", name)), 10, false).optimizerBytes();
            // codes: 1 byte per moment; scales: 1 float per 256 numbers per moment; the embedding table in 32 bits
            assertThat(eightBit).as(name).isEqualTo(2 * quantized + 2 * 4 * ((quantized + 255) / 256)
                    + 2 * 4 * embedding);
        }
        long lora = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("optim", "adamw_8bit")), 10, false)
                .optimizerBytes();
        long loraAdamW = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of()), 10, false).optimizerBytes();
        assertThat((double) lora / loraAdamW).isCloseTo(2.0 / 8 * (1 + 4.0 / 256), within(1e-3));
        assertThat(PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("finetuning_type", "full",
                "optim", "paged_adamw_32bit")), 10, false).optimizerBytes()).isEqualTo(adamW);
    }

    @Test
    void memorySavingOptimizersCountTheirOwnState() {
        long h = 2048;
        long kv = 512;
        long inter = 8192;
        long adamW = optimizerBytes(Map.of("finetuning_type", "full"));
        // GaLore rank 128 on every linear: per (m, n) matrix 2·128·max + 128·min numbers instead of 2·m·n
        long galoreSaved = 0;
        for (long[] mn : new long[][] {{h, h}, {kv, h}, {kv, h}, {h, h}, {inter, h}, {inter, h}, {h, inter}}) {
            galoreSaved += 2 * mn[0] * mn[1] - (2 * 128 * Math.max(mn[0], mn[1]) + 128 * Math.min(mn[0], mn[1]));
        }
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_galore", true, "galore_rank", 128)))
                .isEqualTo(adamW - 4 * 16 * galoreSaved);
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_galore", true, "galore_rank", 128,
                "galore_target", "mlp"))).isGreaterThan(adamW - 4 * 16 * galoreSaved).isLessThan(adamW);
        // APOLLO rank 128 on every linear: the same shapes as GaLore's (no matrix here is smaller than 128)
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_apollo", true, "apollo_rank", 128)))
                .isEqualTo(adamW - 4 * 16 * galoreSaved);
        // BAdam: AdamW's two moments for one decoder layer
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_badam", true)))
                .isEqualTo(4 * 2 * LLAMA_1B.parametersPerLayer());
        // BAdam ratio: two moments for 5 % of every weight but the (tied) embedding
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_badam", true, "badam_mode", "ratio")))
                .isEqualTo(4 * 2 * (long) ((LLAMA_1B.parameters() - 128256L * 2048) * 0.05));
        // Adam-mini: one first moment per number, second moments per head / row / norm
        long perLayer = 32 + 8 + kv + h + 2 * inter + h + 2;
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_adam_mini", true)))
                .isEqualTo(4 * (LLAMA_1B.parameters() + 16 * perLayer + 128256 + 1));
        // Muon: one momentum per 2-D weight; embeddings (tied) and norms keep AdamW's two
        assertThat(optimizerBytes(Map.of("finetuning_type", "full", "use_muon", true)))
                .isEqualTo(4 * (LLAMA_1B.parameters() + 2 * h * 16 + 128256 * h + h));
    }

    private static long optimizerBytes(Map<String, Object> values) {
        return PreflightEstimator.estimate(LLAMA_1B, recipe(values), 10, false).optimizerBytes();
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
    void aFourBitBaseCountsItsDecoderLayersAtAboutHalfAByteAndOneDequantizedCopyInActivations() {
        ResourceEstimate bf16 = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("bf16", true)), 1000, false);
        ResourceEstimate qlora = PreflightEstimator.estimate(LLAMA_1B, recipe(Map.of("bf16", true,
                "quantization_bit", 4)), 1000, false);
        long decoder = LLAMA_1B.layers() * LLAMA_1B.parametersPerLayer();

        assertThat(bf16.weightsBytes() - qlora.weightsBytes()).isEqualTo(2 * decoder - (decoder / 2 + decoder / 16));
        assertThat(qlora.activationBytes() - bf16.activationBytes()).isEqualTo(2 * decoder);
    }

    @Test
    void aPreQuantizedCheckpointIsRefusedNamingTheModel(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_attention_heads": 8,
                 "num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 512,
                 "quantization_config": {"quant_method": "gptq", "bits": 4}}""");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelDimensions.read(dir))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("model_name_or_path");
                    assertThat(e.getMessage()).contains("pre-quantized").contains("gptq")
                            .contains("quantization_bit: 4");
                });
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
