package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.HfWeightNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Hugging Face Llama weight names ({@link HfWeightNames}) to the names llama.cpp expects (gguf-py's
 * {@code tensor_mapping.py}), and which ones get llama.cpp's q/k row permutation:
 * <pre>
 * model.embed_tokens.weight                  token_embd.weight
 * model.layers.{i}.input_layernorm.weight    blk.{i}.attn_norm.weight
 * model.layers.{i}.self_attn.q_proj.weight   blk.{i}.attn_q.weight       rows permuted (heads)
 * model.layers.{i}.self_attn.k_proj.weight   blk.{i}.attn_k.weight       rows permuted (kv heads)
 * model.layers.{i}.self_attn.v_proj.weight   blk.{i}.attn_v.weight
 * model.layers.{i}.self_attn.o_proj.weight   blk.{i}.attn_output.weight
 * model.layers.{i}.post_attention_layernorm  blk.{i}.ffn_norm.weight
 * model.layers.{i}.mlp.gate_proj.weight      blk.{i}.ffn_gate.weight
 * model.layers.{i}.mlp.up_proj.weight        blk.{i}.ffn_up.weight
 * model.layers.{i}.mlp.down_proj.weight      blk.{i}.ffn_down.weight
 * model.norm.weight                          output_norm.weight
 * lm_head.weight                             output.weight
 * </pre>
 */
public final class LlamaTensorNames {

    /** Row permutation a weight needs before it is written. */
    public enum Permutation {
        NONE,
        /** q_proj: permuted with num_attention_heads. */
        QUERY,
        /** k_proj: permuted with num_key_value_heads. */
        KEY
    }

    /** A GGUF name and the permutation its rows need. */
    public record Mapped(String name, Permutation permutation) {
    }

    private LlamaTensorNames() {
    }

    /**
     * The GGUF name of a checkpoint weight; empty for tensors llama.cpp recomputes (rotary {@code inv_freq}).
     *
     * @throws ExportException for a weight the llama architecture does not have
     */
    public static Optional<Mapped> map(String hfName) {
        switch (hfName) {
            case HfWeightNames.EMBED -> {
                return plain("token_embd.weight");
            }
            case HfWeightNames.FINAL_NORM -> {
                return plain("output_norm.weight");
            }
            case HfWeightNames.LM_HEAD -> {
                return plain("output.weight");
            }
            default -> {
            }
        }
        if (hfName.endsWith(HfWeightNames.ROTARY_INV_FREQ_SUFFIX)) {
            return Optional.empty();
        }
        OptionalInt layer = HfWeightNames.layerOf(hfName);
        if (layer.isPresent()) {
            Mapped mapped = layerTable(layer.getAsInt()).get(hfName);
            if (mapped != null) {
                return Optional.of(mapped);
            }
        }
        throw new ExportException("weight " + hfName + " has no place in llama.cpp's llama architecture "
                + "(attention biases and other variants are not supported)");
    }

    /** Layer {@code i}'s weights by Hugging Face key, with their GGUF names. */
    private static Map<String, Mapped> layerTable(int i) {
        String block = "blk." + i + ".";
        Map<String, Mapped> table = new LinkedHashMap<>();
        table.put(HfWeightNames.inputNorm(i), new Mapped(block + "attn_norm.weight", Permutation.NONE));
        table.put(linearWeight(i, "q_proj"), new Mapped(block + "attn_q.weight", Permutation.QUERY));
        table.put(linearWeight(i, "k_proj"), new Mapped(block + "attn_k.weight", Permutation.KEY));
        table.put(linearWeight(i, "v_proj"), new Mapped(block + "attn_v.weight", Permutation.NONE));
        table.put(linearWeight(i, "o_proj"), new Mapped(block + "attn_output.weight", Permutation.NONE));
        table.put(HfWeightNames.postAttentionNorm(i), new Mapped(block + "ffn_norm.weight", Permutation.NONE));
        table.put(linearWeight(i, "gate_proj"), new Mapped(block + "ffn_gate.weight", Permutation.NONE));
        table.put(linearWeight(i, "up_proj"), new Mapped(block + "ffn_up.weight", Permutation.NONE));
        table.put(linearWeight(i, "down_proj"), new Mapped(block + "ffn_down.weight", Permutation.NONE));
        return table;
    }

    private static String linearWeight(int layer, String module) {
        return HfWeightNames.weight(HfWeightNames.linear(layer, module));
    }

    private static Optional<Mapped> plain(String name) {
        return Optional.of(new Mapped(name, Permutation.NONE));
    }

    /**
     * convert_hf_to_gguf.py's {@code permute}: Hugging Face rotates the two halves of each head, ggml's llama RoPE
     * rotates interleaved pairs, so within each head row {@code j·(d/2) + i} moves to {@code 2i + j}
     * ({@code reshape(heads, 2, d/2, in).swapaxes(1, 2)}).
     *
     * @param weight row-major {@code [heads·d, in]}
     * @param heads  number of heads the rows form
     */
    public static float[] permuteRows(float[] weight, long[] shape, int heads) {
        int rows = (int) shape[0];
        int in = shape.length > 1 ? (int) shape[1] : 1;
        if (rows % (2 * heads) != 0) {
            throw new ExportException("cannot permute " + rows + " rows into " + heads + " heads of even size");
        }
        int half = rows / heads / 2;
        float[] out = new float[weight.length];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    int from = h * 2 * half + j * half + i;
                    int to = h * 2 * half + 2 * i + j;
                    System.arraycopy(weight, from * in, out, to * in, in);
                }
            }
        }
        return out;
    }
}
