package io.tuneforge.trainer.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.SequencedMap;
import java.util.function.Supplier;

/**
 * Which optimizer a run updates with: the {@code optim} alone, or one of LLaMA-Factory's memory-saving optimizers
 * that replace it ({@code use_galore}, {@code use_apollo}, {@code use_badam}, {@code use_adam_mini}, {@code use_muon}; DD032).
 */
public sealed interface OptimizerMethod {

    /** The {@code optim} as is (AdamW, SGD, Adafactor with Hugging Face's groups). */
    record Standard() implements OptimizerMethod {
    }

    /** GaLore's low-rank projected AdamW ({@code use_galore}). */
    record GaLore(GaLoreAdamW.Settings settings) implements OptimizerMethod {
    }

    /** APOLLO's channel-scaled AdamW ({@code use_apollo}). */
    record Apollo(ApolloAdamW.Settings settings) implements OptimizerMethod {
    }

    /** BAdam's block-wise AdamW ({@code use_badam}, layer mode). */
    record BAdam(BlockAdam.Settings settings) implements OptimizerMethod {
    }

    /** BAdam's ratio mode: a share of every parameter's entries per step ({@code use_badam, badam_mode: ratio}). */
    record BAdamRatio(BlockAdamRatio.Settings settings) implements OptimizerMethod {
    }

    /** Adam-mini's block-shared second moment ({@code use_adam_mini}). */
    record AdamMiniMethod() implements OptimizerMethod {
    }

    /** Muon with an internal AdamW ({@code use_muon}). */
    record MuonMethod() implements OptimizerMethod {
    }

    /** The standard optimizer. */
    static OptimizerMethod standard() {
        return new Standard();
    }

    /**
     * What a checkpoint records as its optimizer: the {@code optim} name, prefixed by the method
     * ({@code galore+adamw_torch}, {@code badam+adamw_torch}, {@code adam_mini}, {@code muon}); a resume must match.
     */
    default String checkpointName(OptimizerType optim) {
        return switch (this) {
            case Standard s -> optim.configName();
            case GaLore g -> "galore+" + optim.configName();
            case Apollo a -> "apollo+" + optim.configName();
            case BAdam b -> "badam+" + optim.configName();
            case BAdamRatio b -> "badam_ratio+" + optim.configName();
            case AdamMiniMethod a -> "adam_mini";
            case MuonMethod m -> "muon";
        };
    }

    /**
     * Whether the trainer clips gradients by {@code max_grad_norm}: not with layer-wise GaLore or APOLLO, whose per-parameter
     * updates run inside backward in LLaMA-Factory, before the Trainer's clipping could see the gradients.
     */
    default boolean clipsGradients() {
        return !(this instanceof GaLore g && g.settings().layerwise())
                && !(this instanceof Apollo a && a.settings().layerwise());
    }

    /**
     * The optimizer over these parameters.
     *
     * @param parameters trainable parameters by stable name
     * @param optim      the {@code optim} (the standard method's optimizer; the others accept adamw_torch only)
     * @param adamW      betas, epsilon and weight decay
     * @param groups     Hugging Face's groups (standard method)
     * @param heads      the model's attention shape (read by Adam-mini only)
     * @param parent     long-lived manager for the state
     * @param bf16Values the weights are kept at bfloat16 precision (pure_bf16): GaLore's and APOLLO's projections are
     *                   rounded to bfloat16 when drawn, as their references make them in the weight's dtype
     */
    default ParameterOptimizer create(SequencedMap<String, NDArray> parameters, OptimizerType optim, AdamWConfig adamW,
                                      ParameterGroups groups, Supplier<AdamMini.Heads> heads, NDManager parent,
                                      boolean bf16Values) {
        if (!(this instanceof Standard) && !(this instanceof AdamMiniMethod) && !(this instanceof MuonMethod)
                && optim != OptimizerType.ADAMW_TORCH) {
            throw new IllegalArgumentException(checkpointName(optim) + ": GaLore, APOLLO and BAdam run with "
                    + "optim adamw_torch only");
        }
        return switch (this) {
            case Standard s -> optim.create(parameters, adamW, groups, parent);
            case GaLore g -> new GaLoreAdamW(parameters, adamW, g.settings(), parent, bf16Values);
            case Apollo a -> new ApolloAdamW(parameters, adamW, a.settings(), parent, bf16Values);
            case BAdam b -> new BlockAdam(parameters, adamW, b.settings(), parent);
            case BAdamRatio b -> new BlockAdamRatio(parameters, adamW, b.settings(), parent);
            case AdamMiniMethod a -> new AdamMini(parameters, adamW, heads.get(), parent);
            case MuonMethod m -> new Muon(parameters, adamW, parent);
        };
    }
}
