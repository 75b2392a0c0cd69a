package io.tuneforge.trainer.export;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face Llama weight names to the names llama.cpp expects (gguf-py's {@code tensor_mapping.py}), and which
 * ones get llama.cpp's q/k row permutation.
 */
public final class LlamaTensorNames {

    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.weight");

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
            case "model.embed_tokens.weight" -> {
                return plain("token_embd.weight");
            }
            case "model.norm.weight" -> {
                return plain("output_norm.weight");
            }
            case "lm_head.weight" -> {
                return plain("output.weight");
            }
            default -> {
            }
        }
        if (hfName.endsWith("rotary_emb.inv_freq")) {
            return Optional.empty();
        }
        Matcher m = LAYER.matcher(hfName);
        if (m.matches()) {
            String block = "blk." + m.group(1) + ".";
            String suffix = switch (m.group(2)) {
                case "input_layernorm" -> "attn_norm";
                case "self_attn.q_proj" -> "attn_q";
                case "self_attn.k_proj" -> "attn_k";
                case "self_attn.v_proj" -> "attn_v";
                case "self_attn.o_proj" -> "attn_output";
                case "post_attention_layernorm" -> "ffn_norm";
                case "mlp.gate_proj" -> "ffn_gate";
                case "mlp.up_proj" -> "ffn_up";
                case "mlp.down_proj" -> "ffn_down";
                default -> null;
            };
            if (suffix != null) {
                Permutation p = suffix.equals("attn_q") ? Permutation.QUERY
                        : suffix.equals("attn_k") ? Permutation.KEY : Permutation.NONE;
                return Optional.of(new Mapped(block + suffix + ".weight", p));
            }
        }
        throw new ExportException("weight " + hfName + " has no place in llama.cpp's llama architecture "
                + "(attention biases and other variants are not supported)");
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
