package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * The parameters of a Llama-family decoder as {@link LlamaModel} computes with them; {@link HfCheckpoint} fills them
 * from and writes them to Hugging Face checkpoint keys.
 *
 * @param embedding token embedding (V, C), FLOAT32
 * @param blocks    the decoder layers in order, each with its norms, attention and MLP
 * @param finalNorm the norm before the LM head (C)
 * @param lmHead    output projection (V, C), FLOAT32; the same array as {@code embedding} when embeddings are tied
 * @param embeddingBf16 the embedding held in bfloat16 (frozen, {@link ModelOptions#holdsEmbeddingInBf16}), and then
 *                  {@code embedding} is null; else null
 * @param lmHeadBf16 the LM head held in bfloat16 (the same handle as {@code embeddingBf16} when tied), and then
 *                  {@code lmHead} is null; else null
 */
record LlamaWeights(NDArray embedding, List<DecoderBlock> blocks, RmsNorm finalNorm, NDArray lmHead,
                    Bf16WeightStore.Weight embeddingBf16, Bf16WeightStore.Weight lmHeadBf16) {

    /** Float32 embedding and LM head. */
    LlamaWeights(NDArray embedding, List<DecoderBlock> blocks, RmsNorm finalNorm, NDArray lmHead) {
        this(embedding, blocks, finalNorm, lmHead, null, null);
    }
}
