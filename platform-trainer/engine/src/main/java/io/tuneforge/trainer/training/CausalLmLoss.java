package io.tuneforge.trainer.training;

import ai.djl.ndarray.NDArray;
import io.tuneforge.trainer.model.TrainableModel;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/**
 * Causal language-modelling loss: the negative log-likelihood of each counted label given the hidden state one
 * position before it (the shift happens here), computed through the LM head in chunks of {@code chunkTokens} rows so
 * the (tokens, vocab) logits never exist whole (one big tensor is mmapped afresh on every allocation, see
 * stack-facts). Only positions whose label counts go through the LM head: prompt tokens cost nothing.
 *
 * <p>The LM head is a plain {@code matMul} with the transposed weight view: MKL takes the transpose as a flag, while
 * the oneDNN 1×1-convolution route ({@link io.tuneforge.trainer.model.ChannelsLastLinear}) re-lays out the whole (V, C) weight on every call
 * (measured on the AMD Zen 4 host: 468 ms versus 575 ms for forward + backward of 1,024 tokens × 32,000
 * vocabulary). No Java {@code Number} enters any op here: scalars under autograd would be read from freed memory
 * during backward.
 */
public final class CausalLmLoss {

    /** Rows per LM-head chunk: 256 × 32,000 fp32 logits stay under 32 MiB. */
    public static final int DEFAULT_CHUNK_TOKENS = 256;

    private CausalLmLoss() {
    }

    /**
     * Sum over the batch's counted positions of {@code -log p(label)}; a scalar in {@code step}. Divide by the number
     * of target tokens of the whole optimizer step (a libtorch scalar) for the mean.
     *
     * @param step         the per-step manager that receives every intermediate
     * @param hidden       final-normed hidden states (B, T, C)
     * @param lmHeadWeight the output projection (V, C)
     * @param batch        the batch whose labels count
     * @param chunkTokens  rows per LM-head chunk
     */
    public static NDArray negativeLogLikelihoodSum(NDManager step, NDArray hidden, NDArray lmHeadWeight, Batch batch,
                                                   int chunkTokens) {
        return negativeLogLikelihoodSum(step, hidden, lmHeadWeight, batch, chunkTokens, logits -> logits);
    }

    /**
     * As above, with the model's transform of each chunk's raw logits before the softmax (Gemma 2's final
     * soft-capping, {@link TrainableModel#softcap}).
     */
    public static NDArray negativeLogLikelihoodSum(NDManager step, NDArray hidden, NDArray lmHeadWeight, Batch batch,
                                                   int chunkTokens, UnaryOperator<NDArray> logitsTransform) {
        NDArray weightT = owned(step, lmHeadWeight.transpose());                            // (C, V) view
        return negativeLogLikelihoodSum(step, hidden,
                rows -> owned(step, logitsTransform.apply(owned(step, rows.matMul(weightT)))), batch, chunkTokens);
    }

    /**
     * As {@link #negativeLogLikelihoodSum(NDManager, NDArray, NDArray, Batch, int)} with the model's own projection
     * to the vocabulary ({@link TrainableModel#vocabularyProjection}: in bf16 the LM head is computed in bfloat16)
     * and its soft-capping of the logits ({@link TrainableModel#softcap}).
     */
    public static NDArray negativeLogLikelihoodSum(NDManager step, NDArray hidden, TrainableModel model, Batch batch,
                                                   int chunkTokens) {
        UnaryOperator<NDArray> projection = model.vocabularyProjection(step);
        return negativeLogLikelihoodSum(step, hidden,
                rows -> owned(step, model.softcap(step, projection.apply(rows))), batch, chunkTokens);
    }

    /** @param head (n, C) → (n, V) logits in {@code step} */
    private static NDArray negativeLogLikelihoodSum(NDManager step, NDArray hidden, UnaryOperator<NDArray> head,
                                                    Batch batch, int chunkTokens) {
        if (batch.targetTokens() == 0) {
            return step.zeros(new Shape(), hidden.getDataType());
        }
        long channels = hidden.getShape().get(2);
        NDArray flat = owned(step, hidden.reshape(-1, channels));                          // (B*T, C)
        NDArray positions = step.create(batch.predictingPositions());                       // (N,)
        NDArray selected = owned(step, flat.get(new NDIndex("{}", positions)));             // (N, C)
        long[] targets = batch.targetIds();
        NDArray total = null;
        for (int start = 0; start < targets.length; start += chunkTokens) {
            int end = Math.min(targets.length, start + chunkTokens);
            NDArray rows = owned(step, selected.get(new NDIndex("{}:{}", start, end)));      // (n, C)
            NDArray logits = head.apply(rows);                                              // (n, V)
            NDArray logProbs = owned(step, logits.logSoftmax(1));                           // (n, V)
            NDArray ids = step.create(java.util.Arrays.copyOfRange(targets, start, end), new Shape(end - start, 1));
            NDArray picked = owned(step, logProbs.gather(ids, 1));                          // (n, 1)
            NDArray chunkSum = owned(step, picked.sum());                                   // ()
            total = total == null ? chunkSum : owned(step, total.add(chunkSum));
        }
        return owned(step, total.neg());
    }

    private static NDArray owned(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
