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
        return sum(step, hidden, rows -> owned(step, logitsTransform.apply(owned(step, rows.matMul(weightT)))),
                batch, chunkTokens, TokenLossWeighting.none());
    }

    /**
     * As {@link #negativeLogLikelihoodSum(NDManager, NDArray, NDArray, Batch, int)} with the model's own projection
     * to the vocabulary ({@link TrainableModel#vocabularyProjection}: in bf16 the LM head is computed in bfloat16)
     * and its soft-capping of the logits ({@link TrainableModel#softcap}).
     */
    public static NDArray negativeLogLikelihoodSum(NDManager step, NDArray hidden, TrainableModel model, Batch batch,
                                                   int chunkTokens) {
        return weightedNegativeLogLikelihoodSum(step, hidden, model, batch, chunkTokens, TokenLossWeighting.none());
    }

    /**
     * Sum over the batch's counted positions of {@code w · -log p(label)}, the weight {@code w} given by
     * {@code weighting} and constant for autograd (DFT: {@code p(label)}; EAFT: {@code (H_top20 / 3)^alpha}).
     *
     * @param weighting how each token's NLL is weighted (none: the plain sum)
     */
    public static NDArray weightedNegativeLogLikelihoodSum(NDManager step, NDArray hidden, NDArray lmHeadWeight,
                                                           Batch batch, int chunkTokens,
                                                           TokenLossWeighting weighting) {
        NDArray weightT = owned(step, lmHeadWeight.transpose());                            // (C, V) view
        return sum(step, hidden, rows -> owned(step, rows.matMul(weightT)), batch, chunkTokens, weighting);
    }

    /** As above through the model's own projection and soft-capping (see the model overload of the plain sum). */
    public static NDArray weightedNegativeLogLikelihoodSum(NDManager step, NDArray hidden, TrainableModel model,
                                                           Batch batch, int chunkTokens,
                                                           TokenLossWeighting weighting) {
        UnaryOperator<NDArray> projection = model.vocabularyProjection(step);
        return sum(step, hidden, rows -> owned(step, model.softcap(step, projection.apply(rows))), batch,
                chunkTokens, weighting);
    }

    /**
     * ASFT's sum ({@link TokenLossWeighting.Asft}): per target position DFT's {@code p·(-log p)} plus
     * {@code alpha · KL(q‖p)}, q from the reference's logits (constants for autograd); a scalar in {@code step}.
     *
     * @param reference    the frozen reference's final-normed hidden states of the same batch (B, T, C) and its
     *                     projection to the vocabulary
     */
    public static NDArray asftSum(NDManager step, NDArray hidden, TrainableModel model, Reference reference,
                                  Batch batch, int chunkTokens, TokenLossWeighting.Asft asft) {
        UnaryOperator<NDArray> projection = model.vocabularyProjection(step);
        return sum(step, hidden, rows -> owned(step, model.softcap(step, projection.apply(rows))), batch,
                chunkTokens, asft, reference);
    }

    /**
     * A frozen model's view of the batch for ASFT: its hidden states and its (n, C) → (n, V) head.
     *
     * @param hidden (B, T, C) hidden states of the batch, computed without gradient
     * @param head   rows to logits, in the step
     */
    public record Reference(NDArray hidden, UnaryOperator<NDArray> head) {
    }

    /** @param head (n, C) → (n, V) logits in {@code step} */
    private static NDArray sum(NDManager step, NDArray hidden, UnaryOperator<NDArray> head, Batch batch,
                               int chunkTokens, TokenLossWeighting weighting) {
        return sum(step, hidden, head, batch, chunkTokens, weighting, null);
    }

    /** @param reference the frozen reference for ASFT, else null */
    private static NDArray sum(NDManager step, NDArray hidden, UnaryOperator<NDArray> head, Batch batch,
                               int chunkTokens, TokenLossWeighting weighting, Reference reference) {
        if (batch.targetTokens() == 0) {
            return step.zeros(new Shape(), hidden.getDataType());
        }
        NDArray positions = step.create(batch.predictingPositions());                       // (N,)
        NDArray selected = predictingRows(step, hidden, positions);                         // (N, C)
        NDArray referenceRows = reference == null ? null
                : predictingRows(step, reference.hidden(), positions);                      // (N, C)
        long[] targets = batch.targetIds();
        NDArray total = null;
        for (int start = 0; start < targets.length; start += chunkTokens) {
            int end = Math.min(targets.length, start + chunkTokens);
            NDIndex chunk = new NDIndex("{}:{}", start, end);
            NDArray rows = owned(step, selected.get(chunk));                                // (n, C)
            NDArray logits = head.apply(rows);                                              // (n, V)
            NDArray logProbs = owned(step, logits.logSoftmax(1));                           // (n, V)
            NDArray ids = step.create(java.util.Arrays.copyOfRange(targets, start, end), new Shape(end - start, 1));
            NDArray picked = owned(step, logProbs.gather(ids, 1));                          // (n, 1)
            NDArray weighted = switch (weighting) {
                case TokenLossWeighting.None none -> picked;
                case TokenLossWeighting.Dft dft -> owned(step, picked.mul(targetProbability(step, picked)));
                case TokenLossWeighting.Eaft eaft -> owned(step, picked.mul(entropyWeight(step, logits, eaft)));
                case TokenLossWeighting.Asft asft -> anchored(step, picked, logProbs,
                        reference.head().apply(owned(step, referenceRows.get(chunk))), asft);
            };                                                                              // (n, 1)
            NDArray chunkSum = owned(step, weighted.sum());                                 // ()
            total = total == null ? chunkSum : owned(step, total.add(chunkSum));
        }
        return owned(step, total.neg());
    }

    /** The rows of the (B, T, C) states at the flat predicting positions: (N, C). */
    private static NDArray predictingRows(NDManager step, NDArray hidden, NDArray positions) {
        long channels = hidden.getShape().get(2);
        NDArray flat = owned(step, hidden.reshape(-1, channels));                          // (B*T, C)
        return owned(step, flat.get(new NDIndex("{}", positions)));                        // (N, C)
    }

    /**
     * ASFT's per-row term with the sign of a log-likelihood: {@code p·log p − alpha·KL(q‖p)}, so that the summed and
     * negated result is {@code p·(-log p) + alpha·KL}.
     *
     * @param picked          (n, 1) the model's log-probability of each target
     * @param logProbs        (n, V) the model's log-probabilities
     * @param referenceLogits (n, V) the reference's logits
     * @return (n, 1)
     */
    private static NDArray anchored(NDManager step, NDArray picked, NDArray logProbs, NDArray referenceLogits,
                                    TokenLossWeighting.Asft asft) {
        NDArray dft = owned(step, picked.mul(targetProbability(step, picked)));             // (n, 1)
        NDArray alpha = step.full(new Shape(), (float) asft.alpha(), logProbs.getDataType()); // ()
        NDArray kl = owned(step, referenceDivergence(step, logProbs, referenceLogits).mul(alpha)); // (n, 1)
        return owned(step, dft.sub(kl));                                                    // (n, 1)
    }

    /**
     * {@code KL(q‖p)} per row, {@code Σ_v q_v (log q_v − log p_v)} (torch's {@code kl_div(log p, q).sum(-1)}), the
     * reference's distribution q a constant.
     *
     * @param logProbs        (n, V) the model's log-probabilities
     * @param referenceLogits (n, V) the reference's logits
     * @return (n, 1)
     */
    private static NDArray referenceDivergence(NDManager step, NDArray logProbs, NDArray referenceLogits) {
        NDArray logQ = owned(step, owned(step, referenceLogits.stopGradient()).logSoftmax(1)); // (n, V)
        NDArray q = owned(step, logQ.exp());                                                // (n, V)
        NDArray gap = owned(step, logQ.sub(logProbs));                                      // (n, V)
        return owned(step, owned(step, q.mul(gap)).sum(new int[] {1}, true));              // (n, 1)
    }

    /** DFT's weight {@code p(label) = exp(log p)}, detached. */
    private static NDArray targetProbability(NDManager step, NDArray pickedLogProbs) {
        NDArray constant = owned(step, pickedLogProbs.stopGradient());                     // (n, 1)
        return owned(step, constant.exp());                                                 // (n, 1)
    }

    /** EAFT's weight {@code (H / 3)^alpha}, H the entropy over the 20 largest logits of each row, detached. */
    private static NDArray entropyWeight(NDManager step, NDArray logits, TokenLossWeighting.Eaft eaft) {
        NDArray constant = owned(step, logits.stopGradient());                             // (n, V)
        int k = (int) Math.min(TokenLossWeighting.Eaft.TOP_K, constant.getShape().get(1));
        ai.djl.ndarray.NDList valuesAndIndices = constant.topK(k, 1, true, false);
        valuesAndIndices.attach(step);
        NDArray top = valuesAndIndices.get(0);                                              // (n, k)
        NDArray logP = owned(step, top.logSoftmax(1));                                      // (n, k)
        NDArray p = owned(step, logP.exp());                                                // (n, k)
        NDArray entropy = owned(step, owned(step, p.mul(logP)).sum(new int[] {1}, true).neg()); // (n, 1)
        NDArray scaled = owned(step, entropy.div(step.full(new ai.djl.ndarray.types.Shape(), 3f,
                entropy.getDataType())));                                                   // (n, 1)
        return owned(step, scaled.pow(step.full(new ai.djl.ndarray.types.Shape(), (float) eaft.alpha(),
                scaled.getDataType())));                                                    // (n, 1)
    }

    private static NDArray owned(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
