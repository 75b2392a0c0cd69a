package io.tuneforge.trainer.model;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code T5ForConditionalGeneration} weight keys, as an explicit table. A block's sub-layers are
 * numbered: encoder {@code layer.0} self-attention, {@code layer.1} feed-forward; decoder {@code layer.0}
 * self-attention, {@code layer.1} cross-attention ({@code EncDecAttention}), {@code layer.2} feed-forward. Only
 * block 0 of each stack holds the {@code relative_attention_bias} table, which the other blocks share.
 * <pre>
 *   shared.weight                                                   (V, C)   embedding of both stacks
 *   {stack}.block.{i}.layer.0.SelfAttention.{q,k,v}.weight          (H·d, C)
 *   {stack}.block.{i}.layer.0.SelfAttention.o.weight                (C, H·d)
 *   {stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight   (buckets, H)
 *   {stack}.block.{i}.layer.{j}.layer_norm.weight                   (C)
 *   decoder.block.{i}.layer.1.EncDecAttention.{q,k,v,o}.weight      as SelfAttention
 *   {stack}.block.{i}.layer.{f}.DenseReluDense.wi.weight            (F, C)   v1.0 (relu)
 *   {stack}.block.{i}.layer.{f}.DenseReluDense.wi_0/wi_1.weight     (F, C)   gated (v1.1, Flan-T5)
 *   {stack}.block.{i}.layer.{f}.DenseReluDense.wo.weight            (C, F)
 *   {stack}.final_layer_norm.weight                                 (C)
 *   lm_head.weight                                                  (V, C)   only when untied (v1.1, Flan-T5)
 * </pre>
 */
final class T5WeightNames {

    static final String SHARED = "shared.weight";
    static final String LM_HEAD = "lm_head.weight";
    static final String ENCODER = "encoder";
    static final String DECODER = "decoder";
    /** The attention projections, in transformers' module order. */
    static final List<String> ATTENTION_PROJECTIONS = List.of("q", "k", "v", "o");

    private T5WeightNames() {
    }

    /** {@code encoder.block.3} */
    static String block(String stack, int i) {
        return stack + ".block." + i;
    }

    /** The self-attention module of a block: {@code encoder.block.3.layer.0.SelfAttention}. */
    static String selfAttention(String stack, int i) {
        return block(stack, i) + ".layer.0.SelfAttention";
    }

    /** The decoder's cross-attention module: {@code decoder.block.3.layer.1.EncDecAttention}. */
    static String crossAttention(int i) {
        return block(DECODER, i) + ".layer.1.EncDecAttention";
    }

    /** The feed-forward module: {@code encoder.block.3.layer.1.DenseReluDense} / {@code decoder...layer.2...}. */
    static String feedForward(String stack, int i) {
        return block(stack, i) + ".layer." + feedForwardLayer(stack) + ".DenseReluDense";
    }

    /** The sub-layer index of the feed-forward: 1 in the encoder, 2 in the decoder (after cross-attention). */
    static int feedForwardLayer(String stack) {
        return stack.equals(DECODER) ? 2 : 1;
    }

    /** The layer norm before sub-layer {@code j}: {@code encoder.block.3.layer.1.layer_norm.weight}. */
    static String layerNorm(String stack, int i, int j) {
        return block(stack, i) + ".layer." + j + ".layer_norm.weight";
    }

    /** The stack's relative position bias table (block 0's self-attention). */
    static String relativeBias(String stack) {
        return selfAttention(stack, 0) + ".relative_attention_bias.weight";
    }

    /** {@code encoder.final_layer_norm.weight} */
    static String finalNorm(String stack) {
        return stack + ".final_layer_norm.weight";
    }

    /** A linear module's weight key. */
    static String weight(String module) {
        return module + ".weight";
    }

    /** The feed-forward's input projections: {@code wi}, or {@code wi_0} (activated) and {@code wi_1} when gated. */
    static List<String> feedForwardInputs(T5Config config) {
        return config.gated() ? List.of("wi_0", "wi_1") : List.of("wi");
    }

    /** Every weight a checkpoint of {@code config} holds, with its shape, in transformers' module order. */
    static List<WeightSpec> expected(T5Config config, boolean untiedHead) {
        long c = config.dModel();
        long inner = config.innerDim();
        long f = config.dFf();
        List<WeightSpec> specs = new ArrayList<>();
        specs.add(new WeightSpec(SHARED, new long[] {config.vocabSize(), c}));
        for (String stack : List.of(ENCODER, DECODER)) {
            int layers = stack.equals(ENCODER) ? config.numLayers() : config.numDecoderLayers();
            for (int i = 0; i < layers; i++) {
                attention(specs, selfAttention(stack, i), c, inner);
                if (i == 0) {
                    specs.add(new WeightSpec(relativeBias(stack), new long[] {config.numBuckets(), config.numHeads()}));
                }
                specs.add(new WeightSpec(layerNorm(stack, i, 0), new long[] {c}));
                if (stack.equals(DECODER)) {
                    attention(specs, crossAttention(i), c, inner);
                    specs.add(new WeightSpec(layerNorm(stack, i, 1), new long[] {c}));
                }
                String ff = feedForward(stack, i);
                for (String input : feedForwardInputs(config)) {
                    specs.add(new WeightSpec(weight(ff + "." + input), new long[] {f, c}));
                }
                specs.add(new WeightSpec(weight(ff + ".wo"), new long[] {c, f}));
                specs.add(new WeightSpec(layerNorm(stack, i, feedForwardLayer(stack)), new long[] {c}));
            }
            specs.add(new WeightSpec(finalNorm(stack), new long[] {c}));
        }
        if (untiedHead) {
            specs.add(new WeightSpec(LM_HEAD, new long[] {config.vocabSize(), c}));
        }
        return specs;
    }

    private static void attention(List<WeightSpec> specs, String module, long c, long inner) {
        for (String p : ATTENTION_PROJECTIONS) {
            specs.add(new WeightSpec(weight(module + "." + p), p.equals("o") ? new long[] {c, inner}
                    : new long[] {inner, c}));
        }
    }
}
