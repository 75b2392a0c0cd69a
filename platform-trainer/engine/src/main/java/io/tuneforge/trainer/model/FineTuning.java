package io.tuneforge.trainer.model;

import io.tuneforge.shared.recipe.RecipeMethod;
import io.tuneforge.trainer.model.bottleneck.BottleneckConfig;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.oft.OftConfig;
import io.tuneforge.trainer.model.prefix.PrefixConfig;
import java.util.List;

/** Which parameters of a loaded model train. */
public sealed interface FineTuning {

    /** Nothing trains (inference, scoring). */
    record None() implements FineTuning {
    }

    /**
     * LoRA adapters on chosen linears; the base is frozen.
     *
     * @param lora         the adapter's configuration (PiSSA through its {@code initLoraWeights})
     * @param convertPissa {@code pissa_convert}: save a PiSSA adapter as the ordinary LoRA it amounts to on the
     *                     original base (rank 2r), as PEFT's {@code path_initial_model_for_weight_conversion} does
     */
    record Lora(LoraConfig lora, boolean convertPissa) implements FineTuning {

        /** LoRA without PiSSA conversion. */
        public Lora(LoraConfig lora) {
            this(lora, false);
        }
    }

    /** OFT rotations (PEFT's OFT) on chosen linears; the base is frozen. */
    record Oft(OftConfig oft) implements FineTuning {
    }

    /** Prefix tuning: trained key/value prefixes in every layer; the base is frozen. */
    record Prefix(PrefixConfig prefix) implements FineTuning {
    }

    /** Bottleneck adapters after sub-layer outputs; the base is frozen. */
    record Bottleneck(BottleneckConfig adapter) implements FineTuning {
    }

    /** Whether the base model stays frozen (nothing of it trains): inference and every adapter method. */
    default boolean freezesBase() {
        return !(this instanceof Full) && !(this instanceof Freeze);
    }

    /** Every weight trains (embedding, norms, all linears, the LM head). */
    record Full() implements FineTuning {
    }

    /**
     * Freeze tuning, as LLaMA-Factory's {@code freeze_trainable_layers}, {@code freeze_trainable_modules},
     * {@code use_llama_pro} and {@code freeze_extra_modules}: some decoder blocks train (the last N, the first |N|, or
     * LLaMA Pro's expanded blocks), inside them only the {@code trainableModules}, plus whole modules outside them.
     *
     * @param trainableLayers  N > 0: the last N blocks; N < 0: the first |N|; with {@code llamaPro}: every
     *                         (layers/N)-th block ({@link RecipeMethod#freezeLayerIds})
     * @param trainableModules the block's modules that train: self_attn, mlp, input_layernorm,
     *                         post_attention_layernorm ({@link RecipeMethod#FREEZE_MODULES}); for a mixture of
     *                         experts also mlp.experts, mlp.experts.N, mlp.gate, mlp.shared_expert(_gate)
     *                         ({@link RecipeMethod#isFreezeModule})
     * @param llamaPro         {@code use_llama_pro}: the blocks a LLaMA Pro block expansion added train
     * @param extraModules     {@code freeze_extra_modules}: embed_tokens, lm_head, norm trained whole
     */
    record Freeze(int trainableLayers, List<String> trainableModules, boolean llamaPro, List<String> extraModules)
            implements FineTuning {
        public Freeze {
            if (trainableLayers == 0) {
                throw new IllegalArgumentException("freeze tuning needs at least one trainable layer, got 0");
            }
            trainableModules = List.copyOf(trainableModules);
            extraModules = List.copyOf(extraModules);
            if (trainableModules.isEmpty() || !trainableModules.stream().allMatch(RecipeMethod::isFreezeModule)) {
                throw new IllegalArgumentException("freeze_trainable_modules " + trainableModules + " must name some of "
                        + RecipeMethod.FREEZE_MODULES);
            }
            if (!RecipeMethod.ADDITIONAL_TARGETS.containsAll(extraModules)) {
                throw new IllegalArgumentException("freeze_extra_modules " + extraModules + " must name some of "
                        + RecipeMethod.ADDITIONAL_TARGETS);
            }
        }

        /** The last {@code trainableLayers} blocks train, only {@code trainableModules} inside them. */
        public Freeze(int trainableLayers, List<String> trainableModules) {
            this(trainableLayers, trainableModules, false, List.of());
        }

        /** The last {@code trainableLayers} blocks train whole (modules {@code all}). */
        public Freeze(int trainableLayers) {
            this(trainableLayers, RecipeMethod.FREEZE_MODULES);
        }

        /** Whether a block weight, by its Hugging Face name ({@code model.layers.3.mlp.up_proj.weight}), trains. */
        public boolean trains(String weightName) {
            return trainableModules.stream().anyMatch(module -> weightName.contains("." + module + "."));
        }

        /** The blocks that train in a model of {@code numLayers}, or a {@link ModelConfigException} saying why none can. */
        public List<Integer> layerIds(int numLayers) {
            try {
                return RecipeMethod.freezeLayerIds(trainableLayers, llamaPro, numLayers);
            } catch (IllegalArgumentException e) {
                throw new ModelConfigException(e.getMessage());
            }
        }

        /** How the job page names the trained blocks: {@code the last 2}, {@code the first 3}, {@code LLaMA Pro's 8}. */
        public String describeLayers() {
            int n = Math.abs(trainableLayers);
            return llamaPro ? "LLaMA Pro's " + n + " expanded" : (trainableLayers > 0 ? "the last " : "the first ") + n;
        }
    }

    static FineTuning none() {
        return new None();
    }
}
