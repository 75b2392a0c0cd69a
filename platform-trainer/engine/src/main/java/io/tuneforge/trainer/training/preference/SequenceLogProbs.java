package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.training.Batch;

import java.util.Arrays;

/**
 * The log-probability of each row's counted labels, summed per row: {@code log π(response | prompt)} of preference
 * training (TRL's and LLaMA-Factory's {@code get_batch_logps}). Only positions whose label counts (the response:
 * prompt and padding carry {@code IGNORE_INDEX}) contribute; the causal shift happens here, as in
 * {@link io.tuneforge.trainer.training.CausalLmLoss}, and the LM head runs in chunks of {@code chunkTokens} rows so the
 * (tokens, vocab) logits never exist whole.
 *
 * <p>Per-token log-probabilities (N, 1) are summed into their rows by a (R, N) 0/1 matrix product, which keeps the
 * gradient flowing to every token. No Java {@code Number} enters any op (see stack-facts: scalars under autograd).
 */
public final class SequenceLogProbs {

    private SequenceLogProbs() {
    }

    /**
     * @param step         manager receiving every intermediate
     * @param hidden       final-normed hidden states (R, T, C)
     * @param lmHeadWeight the output projection (V, C)
     * @param batch        the R rows whose counted labels are scored
     * @param chunkTokens  rows per LM-head chunk
     * @return (R,) summed log-probabilities, 0 for a row without counted labels
     */
    public static NDArray sum(NDManager step, NDArray hidden, NDArray lmHeadWeight, Batch batch, int chunkTokens) {
        int rows = batch.batchSize();
        if (batch.targetTokens() == 0) {
            return step.zeros(new Shape(rows), hidden.getDataType());
        }
        long[] positions = batch.predictingPositions();
        NDArray tokenLogProbs = owned(step, perToken(step, hidden, lmHeadWeight, batch, chunkTokens)
                .reshape(positions.length, 1));                                              // (N, 1)
        NDArray rowOf = step.create(rowMatrix(positions, rows, batch.sequenceLength()),
                new Shape(rows, positions.length)).toType(hidden.getDataType(), false);     // (R, N)
        rowOf.attach(step);
        NDArray perRow = owned(step, rowOf.matMul(tokenLogProbs));                          // (R, 1)
        return owned(step, perRow.reshape(rows));                                           // (R,)
    }

    /**
     * The log-probability of each counted label, in the order of {@link Batch#predictingPositions()} (PPO's
     * per-token log-probabilities of the response).
     *
     * @return (N,) with N = {@code batch.targetTokens()} (must be at least 1)
     */
    public static NDArray perToken(NDManager step, NDArray hidden, NDArray lmHeadWeight, Batch batch,
            int chunkTokens) {
        long channels = hidden.getShape().get(2);
        long[] positions = batch.predictingPositions();
        long[] targets = batch.targetIds();
        NDArray flat = owned(step, hidden.reshape(-1, channels));                          // (R*T, C)
        NDArray selected = owned(step, flat.get(new NDIndex("{}", step.create(positions)))); // (N, C)
        NDArray weightT = owned(step, lmHeadWeight.transpose());                           // (C, V) view
        NDArray[] chunks = new NDArray[(targets.length + chunkTokens - 1) / chunkTokens];
        for (int start = 0, c = 0; start < targets.length; start += chunkTokens, c++) {
            int end = Math.min(targets.length, start + chunkTokens);
            NDArray part = owned(step, selected.get(new NDIndex("{}:{}", start, end)));     // (n, C)
            NDArray logProbs = owned(step, owned(step, part.matMul(weightT)).logSoftmax(1)); // (n, V)
            NDArray ids = step.create(Arrays.copyOfRange(targets, start, end), new Shape(end - start, 1));
            chunks[c] = owned(step, logProbs.gather(ids, 1));                              // (n, 1)
        }
        NDArray tokenLogProbs = chunks.length == 1 ? chunks[0] : concat(step, chunks);       // (N, 1)
        return owned(step, tokenLogProbs.reshape(targets.length));                         // (N,)
    }

    /** Counted labels per row (TRL's {@code valid_length}): the response length in tokens. */
    public static long[] counts(Batch batch) {
        long[] counts = new long[batch.batchSize()];
        for (long position : batch.predictingPositions()) {
            counts[(int) (position / batch.sequenceLength())]++;
        }
        return counts;
    }

    private static NDArray concat(NDManager step, NDArray[] chunks) {
        return owned(step, NDArrays.concat(new NDList(chunks), 0));
    }

    /** (R, N) row-major: 1 where flat position n belongs to row r. */
    private static float[] rowMatrix(long[] positions, int rows, int length) {
        float[] m = new float[rows * positions.length];
        for (int n = 0; n < positions.length; n++) {
            int row = (int) (positions[n] / length);
            m[row * positions.length + n] = 1f;
        }
        return m;
    }

    private static NDArray owned(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
