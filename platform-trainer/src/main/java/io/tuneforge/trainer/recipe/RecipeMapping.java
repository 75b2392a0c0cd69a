package io.tuneforge.trainer.recipe;

import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeAdapterMethods;
import io.tuneforge.shared.recipe.RecipeData;
import io.tuneforge.shared.recipe.RecipeEvaluation;
import io.tuneforge.shared.recipe.RecipeGeneration;
import io.tuneforge.shared.recipe.RecipeMemoryOptimizers;
import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.shared.recipe.RecipeOft;
import io.tuneforge.shared.recipe.RecipeOptimization;
import io.tuneforge.shared.recipe.RecipeOutputs;
import io.tuneforge.shared.recipe.RecipePreference;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.data.preparation.ValSize;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.shared.recipe.Bf16Support;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.model.AttentionKernel;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.Quantization;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.oft.OftConfig;
import io.tuneforge.trainer.model.lora.Pissa;
import io.tuneforge.trainer.model.prefix.PrefixConfig;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.training.TokenLossWeighting;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.optim.ApolloAdamW;
import io.tuneforge.trainer.training.optim.BlockAdam;
import io.tuneforge.trainer.training.optim.BlockAdamRatio;
import io.tuneforge.trainer.training.optim.GaLoreAdamW;
import io.tuneforge.trainer.training.optim.OptimizerMethod;
import io.tuneforge.trainer.training.optim.OptimizerType;
import io.tuneforge.trainer.training.optim.SchedulerOptions;
import io.tuneforge.trainer.training.optim.SchedulerType;
import io.tuneforge.trainer.training.kto.KtoConfig;
import io.tuneforge.trainer.training.ppo.PpoConfig;
import io.tuneforge.trainer.training.preference.PreferenceConfig;
import io.tuneforge.trainer.training.preference.PreferenceLoss;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The one place a checked {@link JobRecipe} becomes the engine's configurations: the CLI's {@code train} and the
 * worker both call it, so a key means the same everywhere. No defaults live here: every value comes from the recipe,
 * whose table holds them.
 */
public final class RecipeMapping {

    private RecipeMapping() {
    }

    /** Whether the recipe trains on preference pairs with a preference loss ({@code stage: dpo}). */
    public static boolean isPreferenceStage(JobRecipe recipe) {
        return recipe.method().stage().equals("dpo");
    }

    /** Whether the recipe trains a reward model on preference pairs ({@code stage: rm}). */
    public static boolean isRewardStage(JobRecipe recipe) {
        return recipe.method().stage().equals("rm");
    }

    /** Whether the recipe trains KTO on examples tagged desirable or undesirable ({@code stage: kto}). */
    public static boolean isKtoStage(JobRecipe recipe) {
        return recipe.method().stage().equals("kto");
    }

    /** KTO's settings: {@code pref_beta}, {@code pref_ftx}, {@code kto_chosen_weight}, {@code kto_rejected_weight}. */
    public static KtoConfig kto(JobRecipe recipe) {
        RecipePreference p = recipe.preference();
        return new KtoConfig(p.beta(), p.ftx(), p.ktoChosenWeight(), p.ktoRejectedWeight());
    }

    /** Whether the recipe trains a policy with PPO against a reward model ({@code stage: ppo}). */
    public static boolean isPpoStage(JobRecipe recipe) {
        return recipe.method().stage().equals("ppo");
    }

    /** PPO's settings: {@code ppo_epochs}, {@code ppo_buffer_size}, {@code ppo_target}, score norm, reward whitening. */
    public static PpoConfig ppo(JobRecipe recipe) {
        RecipePreference.Ppo p = recipe.preference().ppo();
        return PpoConfig.of(p.epochs(), p.bufferSize(), p.target(), p.scoreNorm(), p.whitenRewards());
    }

    /** Whether the recipe continues pre-training on raw text ({@code stage: pt}). */
    public static boolean isPretrainStage(JobRecipe recipe) {
        return recipe.method().stage().equals("pt");
    }

    /**
     * Whether stage pt packs its text into cutoff_len blocks: {@code packing} when given, else true (LLaMA-Factory
     * enables packing for pre-training by default).
     */
    public static boolean pretrainPacking(JobRecipe recipe) {
        return recipe.given().containsKey("packing") ? recipe.data().packing() : true;
    }

    /** The preference loss and its settings ({@code pref_loss}, {@code pref_beta}, ...). */
    public static PreferenceConfig preference(JobRecipe recipe) {
        RecipePreference p = recipe.preference();
        return new PreferenceConfig(PreferenceLoss.fromConfigName(p.loss()), p.beta(), p.ftx(), p.simpoGamma(),
                p.labelSmoothing());
    }

    /** The trainer's hyper-parameters, writing checkpoints and the result to {@code outputDir}. */
    public static TrainingConfig trainingConfig(JobRecipe recipe, Path outputDir) {
        RecipeOptimization o = recipe.optimization();
        RecipeEvaluation e = recipe.evaluation();
        RecipeOutputs out = recipe.outputs();
        SchedulerType scheduler = SchedulerType.fromConfigName(o.lrSchedulerType());
        boolean lora = recipe.method().finetuningType() == RecipeMethod.FinetuningType.LORA;
        return TrainingConfig.builder(outputDir)
                .learningRate(o.learningRate())
                .numTrainEpochs(o.numTrainEpochs())
                .maxSteps(o.maxSteps().orElse(-1L))
                .perDeviceTrainBatchSize(o.perDeviceTrainBatchSize())
                .perDeviceEvalBatchSize(e.perDeviceEvalBatchSize())
                .gradientAccumulationSteps(o.gradientAccumulationSteps())
                .lrSchedulerType(scheduler)
                .lrSchedulerOptions(SchedulerOptions.fromKwargs(scheduler, o.lrSchedulerKwargs()))
                .optim(OptimizerType.fromConfigName(o.optim()))
                .neftuneNoiseAlpha(o.neftuneNoiseAlpha())
                .moeAuxLossCoef(recipe.model().moeAuxLossCoef())
                .gradientCheckpointing(!recipe.model().disableGradientCheckpointing())
                .trainableInBf16(trainableInBf16(recipe))
                .loraPlusLrRatio(lora ? recipe.method().lora().loraPlusLrRatio().orElse(0.0) : 0.0)
                .lossWeighting(lossWeighting(o))
                .optimizerMethod(optimizerMethod(recipe))
                .warmupSteps(o.warmupSteps())
                .warmupRatio(o.warmupRatio())
                .maxGradNorm(o.maxGradNorm())
                .weightDecay(o.weightDecay())
                .adamBeta1(o.adamBeta1())
                .adamBeta2(o.adamBeta2())
                .adamEpsilon(o.adamEpsilon())
                .loggingSteps(out.loggingSteps())
                .saveSteps(out.saveSteps())
                .saveTotalLimit(out.saveTotalLimit().map(Long::intValue).orElse(0))
                // unset: once per epoch, as the help says (the trainer skips it without validation data)
                .evalSteps(e.evalSteps().map(Long::intValue).orElse(TrainingConfig.EVAL_EACH_EPOCH))
                .seed(o.seed())
                .earlyStoppingPatience(e.earlyStoppingPatience().map(Long::intValue).orElse(0))
                .earlyStoppingMinDelta(e.earlyStoppingThreshold())
                .loadBestModelAtEnd(e.loadBestModelAtEnd())
                .build();
    }

    /** GaLore, APOLLO, BAdam, Adam-mini or Muon when the recipe turns one on (one at most: the recipe checks), else none. */
    public static OptimizerMethod optimizerMethod(JobRecipe recipe) {
        RecipeMemoryOptimizers m = recipe.optimization().memoryOptimizers();
        if (m.useGalore()) {
            return new OptimizerMethod.GaLore(galoreSettings(m));
        }
        if (m.useApollo()) {
            return new OptimizerMethod.Apollo(apolloSettings(m));
        }
        if (m.useBadam() && m.badamMode().equals("ratio")) {
            return new OptimizerMethod.BAdamRatio(badamRatioSettings(recipe));
        }
        if (m.useBadam()) {
            return new OptimizerMethod.BAdam(badamSettings(recipe));
        }
        if (m.useAdamMini()) {
            return new OptimizerMethod.AdamMiniMethod();
        }
        return m.useMuon() ? new OptimizerMethod.MuonMethod() : OptimizerMethod.standard();
    }

    /** GaLore's settings as the recipe gives them (read whether or not use_galore is on). */
    public static GaLoreAdamW.Settings galoreSettings(RecipeMemoryOptimizers m) {
        return new GaLoreAdamW.Settings(m.galoreRank(), m.galoreUpdateInterval(), m.galoreScale(), m.galoreTarget(),
                m.galoreLayerwise());
    }

    /** APOLLO's settings as the recipe gives them (read whether or not use_apollo is on). */
    public static ApolloAdamW.Settings apolloSettings(RecipeMemoryOptimizers m) {
        return new ApolloAdamW.Settings(m.apolloRank(), m.apolloUpdateInterval(), m.apolloScale(),
                ApolloAdamW.ScaleType.fromConfigName(m.apolloScaleType()), m.apolloTarget(), m.apolloLayerwise(),
                ApolloAdamW.Projection.fromConfigName(m.apolloProj()));
    }

    /** BAdam's settings as the recipe gives them; the random order is seeded by {@code seed}. */
    public static BlockAdam.Settings badamSettings(JobRecipe recipe) {
        RecipeMemoryOptimizers m = recipe.optimization().memoryOptimizers();
        BlockAdam.SwitchMode mode = BlockAdam.SwitchMode.fromConfigName(m.badamSwitchMode());
        OptionalInt start = m.badamStartBlock().map(b -> OptionalInt.of(b.intValue())).orElse(OptionalInt.empty());
        if (mode == BlockAdam.SwitchMode.FIXED && start.isEmpty()) {
            start = OptionalInt.of(0); // only reached when use_badam is off: the recipe refuses fixed without a start
        }
        return new BlockAdam.Settings(mode, m.badamSwitchInterval(), start, recipe.optimization().seed());
    }

    /**
     * BAdam's ratio-mode settings as the recipe gives them: switches every 100 steps, as LLaMA-Factory leaves BAdam's
     * default (badam_switch_interval is layer mode's); scatter seeds from {@code seed}.
     */
    public static BlockAdamRatio.Settings badamRatioSettings(JobRecipe recipe) {
        RecipeMemoryOptimizers m = recipe.optimization().memoryOptimizers();
        return new BlockAdamRatio.Settings(m.badamUpdateRatio(), BlockAdamRatio.MaskMode.fromConfigName(
                m.badamMaskMode()), BlockAdamRatio.DEFAULT_SWITCH_EVERY, recipe.optimization().seed());
    }

    /** DFT when use_dft_loss (it wins, as in LLaMA-Factory), else EAFT when use_eaft_loss, else plain. */
    public static TokenLossWeighting lossWeighting(RecipeOptimization o) {
        if (o.useDftLoss()) {
            return new TokenLossWeighting.Dft();
        }
        if (o.useAsftLoss()) {
            return new TokenLossWeighting.Asft(o.asftAlpha());
        }
        return o.useEaftLoss() ? new TokenLossWeighting.Eaft(o.eaftAlpha()) : TokenLossWeighting.none();
    }

    /** LoRA, freeze, full or OFT fine-tuning as the model applies it. */
    public static FineTuning fineTuning(JobRecipe recipe) {
        RecipeMethod method = recipe.method();
        return switch (method.finetuningType()) {
            case LORA -> new FineTuning.Lora(loraConfig(method.lora()), method.lora().pissaConvert());
            case FREEZE -> new FineTuning.Freeze(method.freeze().trainableLayers(), method.freeze().trainableModules(),
                    method.freeze().llamaPro(), method.freeze().extraModules());
            case FULL -> new FineTuning.Full();
            case OFT -> new FineTuning.Oft(oftConfig(method.oft()));
            case PREFIX -> new FineTuning.Prefix(prefixConfig(method.prefix()));
            case ADAPTER -> new FineTuning.Bottleneck(bottleneckConfig(method.adapter()));
        };
    }

    /** PEFT's OFTConfig as LLaMA-Factory builds it: r = oft_rank, oft_block_size, targets, module_dropout. */
    public static OftConfig oftConfig(RecipeOft oft) {
        return new OftConfig(oft.rank(), oft.blockSize(), oft.targetModules(), oft.moduleDropout(), true, 5, false);
    }

    /** PEFT's PrefixTuningConfig from the recipe (encoder_hidden_size blank: the model's token_dim). */
    public static PrefixConfig prefixConfig(RecipeAdapterMethods.Prefix prefix) {
        return new PrefixConfig(prefix.numVirtualTokens(), prefix.prefixProjection(),
                prefix.encoderHiddenSize().map(Math::toIntExact).orElse(0));
    }

    /** The bottleneck adapters' settings from the recipe. */
    public static BottleneckConfig bottleneckConfig(RecipeAdapterMethods.Adapter adapter) {
        return new BottleneckConfig(adapter.reductionFactor(), BottleneckConfig.Placement.parse(adapter.placement()),
                BottleneckConfig.NonLinearity.parse(adapter.nonLinearity()));
    }

    /**
     * The sampling of stage ppo's rollouts and of prediction runs ({@code do_sample}, {@code temperature},
     * {@code top_p}, {@code top_k}, {@code max_new_tokens}, {@code repetition_penalty}); {@code do_sample: false} is
     * greedy. No seed: the caller seeds per step or run.
     *
     * @param maxNewTokensCap a further cap on the answer length (stage ppo: {@code cutoff_len})
     */
    public static GenerationConfig generation(JobRecipe recipe, int maxNewTokensCap) {
        RecipeGeneration g = recipe.generation();
        int maxNewTokens = Math.min(g.maxNewTokens(), maxNewTokensCap);
        return g.doSample()
                ? new GenerationConfig(maxNewTokens, g.temperature(), g.topK(), g.topP(), g.repetitionPenalty(),
                        OptionalLong.empty(), List.of(), true)
                : new GenerationConfig(maxNewTokens, 0, 0, 1, g.repetitionPenalty(), OptionalLong.empty(), List.of(),
                        true);
    }

    /** What the model computes in: bf16 when the recipe sets {@code bf16: true} or {@code pure_bf16: true}, else fp32. */
    public static Precision precision(JobRecipe recipe) {
        return recipe.model().computesInBf16() ? Precision.BF16 : Precision.FP32;
    }

    /**
     * Whether the trainable weights and their optimizer state are kept at bfloat16 precision (DD040):
     * {@code pure_bf16} with full or freeze fine-tuning, whose weights LLaMA-Factory leaves in the model's bfloat16
     * ({@code cast_trainable_params_to_fp32} is off). Adapters (LoRA, OFT, prefix, bottleneck) stay float32 under
     * pure_bf16, as there: PEFT's {@code get_peft_model} upcasts adapter weights to float32
     * ({@code autocast_adapter_dtype=True}, which LLaMA-Factory leaves at its default).
     */
    public static boolean trainableInBf16(JobRecipe recipe) {
        return recipe.model().pureBf16() && !recipe.method().finetuningType().isAdapter();
    }

    /**
     * The frozen base's on-the-fly quantization: {@code quantization_bit} (0 when unset) with the recipe's
     * {@code quantization_type} and {@code double_quantization} (carried even when unused, so the mapping shows them).
     */
    public static Quantization quantization(JobRecipe recipe) {
        int bits = recipe.model().quantizationBit().map(Long::intValue).orElse(0);
        return new Quantization(bits, Quantization.Type.parse(recipe.model().quantizationType()),
                recipe.model().doubleQuantization());
    }

    /** The attention kernel of {@code flash_attn} in the recipe's precision. */
    public static AttentionKernel attention(JobRecipe recipe) {
        return AttentionKernel.forFlashAttn(recipe.model().flashAttn(), precision(recipe));
    }

    /**
     * How to load the model for training with {@code fineTuning} (the recipe's, or none when an adapter is loaded
     * afterwards): on the CPU, in the recipe's precision and attention kernel.
     *
     * @throws io.tuneforge.shared.recipe.RecipeException for bf16 on a CPU without bf16 instructions
     */
    public static ModelOptions modelOptions(JobRecipe recipe, FineTuning fineTuning) {
        Bf16Support.requireFor(recipe);
        return ModelOptions.training(fineTuning, recipe.optimization().seed(), precision(recipe), attention(recipe))
                .withQuantization(quantization(recipe));
    }

    /** PEFT's LoraConfig from the recipe's LoRA settings. */
    public static LoraConfig loraConfig(RecipeMethod.Lora lora) {
        return new LoraConfig(lora.rank(), lora.alpha(), lora.dropout(), lora.targetModules(), lora.useRslora(),
                lora.useDora(), lora.pissaInit() ? Pissa.initName(lora.pissaIter()) : LoraConfig.DEFAULT_INIT,
                lora.additionalTargets());
    }

    /** How rows are cleaned, capped and split (the split seeded with {@code seed}, as the Datasets page shows it). */
    public static PreparationOptions preparation(JobRecipe recipe) {
        RecipeData data = recipe.data();
        return new PreparationOptions(true, true, data.maxSamples().map(n -> (int) Math.min(n, Integer.MAX_VALUE)),
                ValSize.of(data.valSize()), recipe.optimization().seed(), Optional.empty());
    }

    /** How prepared rows become token sequences. */
    public static EncodingOptions encoding(JobRecipe recipe) {
        RecipeData data = recipe.data();
        return new EncodingOptions(data.cutoffLen(), data.trainOnPrompt(), data.packing(), Map.of());
    }

    /** The float type of the merged LoRA model. */
    public static Optional<SafetensorsDType> mergeDtype(JobRecipe recipe) {
        String dtype = recipe.outputs().mergeDtype();
        return dtype.equals("auto") ? Optional.empty() : Optional.of(MergeOptions.parseDtype(dtype));
    }

    /** The GGUF weight type to export, if any. */
    public static Optional<GgmlType> exportGguf(JobRecipe recipe) {
        return recipe.outputs().exportGguf().map(GgmlType::parse);
    }

    /** A path key of a YAML recipe, resolved against {@code baseDir} as LLaMA-Factory does (the working folder). */
    public static Optional<Path> path(Optional<String> value, Path baseDir) {
        return value.map(baseDir::resolve);
    }
}
