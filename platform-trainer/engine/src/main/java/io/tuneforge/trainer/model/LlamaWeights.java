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
 */
record LlamaWeights(NDArray embedding, List<DecoderBlock> blocks, RmsNorm finalNorm, NDArray lmHead) {
}
