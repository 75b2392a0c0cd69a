package io.tuneforge.trainer.model;

import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * The mixture-of-experts part of a {@code config.json} (Mixtral, Qwen2-MoE, Qwen3-MoE), as transformers 5.18 reads it.
 *
 * @param numExperts               routed experts per sparse layer ({@code num_local_experts} Mixtral and
 *                                 Qwen3-MoE saved by transformers 5, {@code num_experts} Qwen)
 * @param topK                     experts each token is sent to ({@code num_experts_per_tok})
 * @param normaliseTopK            the k routing weights are divided by their sum (Mixtral always; Qwen with
 *                                 {@code norm_topk_prob}, default false)
 * @param expertIntermediateSize   inner width of one routed expert ({@code intermediate_size} Mixtral,
 *                                 {@code moe_intermediate_size} Qwen)
 * @param sharedExpertSize         inner width of Qwen2-MoE's shared expert
 *                                 ({@code shared_expert_intermediate_size}); 0 = no shared expert
 * @param sparseLayers             per layer: true where the MLP is the sparse block; Qwen's dense layers are those in
 *                                 {@code mlp_only_layers} or with {@code (i + 1) % decoder_sparse_step != 0}, and use
 *                                 {@code intermediate_size}
 * @param routerAuxLossCoef        {@code router_aux_loss_coef} of the checkpoint (transformers adds coef·aux to the
 *                                 loss when {@code output_router_logits}); the recipe's {@code moe_aux_loss_coef}
 *                                 overrides it
 * @param outputRouterLogits       {@code output_router_logits} of the checkpoint
 */
public record MoeSpec(int numExperts, int topK, boolean normaliseTopK, int expertIntermediateSize,
                      int sharedExpertSize, List<Boolean> sparseLayers, double routerAuxLossCoef,
                      boolean outputRouterLogits) {

    public MoeSpec {
        sparseLayers = List.copyOf(sparseLayers);
        if (numExperts <= 0 || topK <= 0 || topK > numExperts || expertIntermediateSize <= 0 || sharedExpertSize < 0) {
            throw new ModelConfigException("mixture of experts needs 0 < num_experts_per_tok (" + topK
                    + ") <= experts (" + numExperts + ") and a positive expert width (" + expertIntermediateSize + ")");
        }
    }

    /** Whether layer {@code i}'s MLP is the sparse block. */
    public boolean sparse(int layer) {
        return sparseLayers.get(layer);
    }

    /** Layers with a sparse block. */
    public int sparseLayerCount() {
        return (int) sparseLayers.stream().filter(b -> b).count();
    }

    /** Reads the MoE fields of a config of a MoE {@code architecture} with {@code layers} decoder layers. */
    static MoeSpec parse(JsonNode root, ModelArchitecture architecture, int layers, Object source) {
        boolean mixtral = architecture == ModelArchitecture.MIXTRAL;
        // Mixtral names it num_local_experts, Qwen num_experts; transformers 5 writes Qwen3-MoE's as num_local_experts
        String expertsField = root.path("num_experts").isNumber() && !mixtral ? "num_experts" : "num_local_experts";
        int experts = requiredInt(root, expertsField, source);
        int topK = requiredInt(root, "num_experts_per_tok", source);
        int width = requiredInt(root, mixtral ? "intermediate_size" : "moe_intermediate_size", source);
        int shared = architecture == ModelArchitecture.QWEN2_MOE
                ? requiredInt(root, "shared_expert_intermediate_size", source) : 0;
        int step = root.path("decoder_sparse_step").asInt(1);
        if (!mixtral && step <= 0) {
            throw new ModelConfigException(source + ": decoder_sparse_step must be >= 1, got " + step);
        }
        List<Integer> denseOnly = new java.util.ArrayList<>();
        root.path("mlp_only_layers").forEach(n -> denseOnly.add(n.asInt()));
        List<Boolean> sparse = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) {
            sparse.add(mixtral || (!denseOnly.contains(i) && experts > 0 && (i + 1) % step == 0));
        }
        return new MoeSpec(experts, topK, mixtral || root.path("norm_topk_prob").asBoolean(false), width, shared,
                sparse, root.path("router_aux_loss_coef").asDouble(0.001),
                root.path("output_router_logits").asBoolean(false));
    }

    private static int requiredInt(JsonNode root, String field, Object source) {
        JsonNode n = root.path(field);
        if (!n.isNumber()) {
            throw new ModelConfigException(source + ": field '" + field + "' is missing or not a number");
        }
        return n.asInt();
    }
}
