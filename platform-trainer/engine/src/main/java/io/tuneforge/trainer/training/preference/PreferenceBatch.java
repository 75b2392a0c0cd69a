package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.tuneforge.trainer.data.KtoExample;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.TrainingPair;
import io.tuneforge.trainer.model.TrainableModel;
import io.tuneforge.trainer.training.Batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * B preference pairs as one forward pass of 2B rows, chosen rows first, then rejected (TRL's concatenated forward),
 * right-padded to one length: padding and prompt labels are ignored, so each row's log-probability covers its answer
 * only.
 *
 * <p>A batch of KTO examples has the same layout (completions first, then the mismatched completions) and carries
 * each example's {@code kto_tag} in {@code desirable}.
 *
 * @param rows      the 2B rows
 * @param pairs     B
 * @param desirable KTO batches: the {@code kto_tag} of each of the B examples; preference pairs: empty
 */
public record PreferenceBatch(Batch rows, int pairs, boolean[] desirable) {

    /** A batch of preference pairs (no KTO tags). */
    public PreferenceBatch(Batch rows, int pairs) {
        this(rows, pairs, new boolean[0]);
    }

    /**
     * Collates units: rows {@code [0, B)} their first rows (chosen, or KTO completions), {@code [B, 2B)} their
     * second rows (rejected, or mismatched completions); KTO examples' tags in {@link #desirable()}.
     */
    public static PreferenceBatch collate(List<? extends TrainingPair> pairs, int padTokenId) {
        List<TokenizedSample> rows = new ArrayList<>(pairs.size() * 2);
        pairs.forEach(p -> rows.add(p.first()));
        pairs.forEach(p -> rows.add(p.second()));
        boolean kto = !pairs.isEmpty() && pairs.getFirst() instanceof KtoExample;
        boolean[] desirable = new boolean[kto ? pairs.size() : 0];
        for (int i = 0; i < desirable.length; i++) {
            if (!(pairs.get(i) instanceof KtoExample example)) {
                throw new IllegalArgumentException("a batch mixes KTO examples and preference pairs");
            }
            desirable[i] = example.desirable();
        }
        return new PreferenceBatch(Batch.collate(rows, padTokenId), pairs.size(), desirable);
    }

    /** Whether this batch holds KTO examples (tags in {@link #desirable()}). */
    public boolean isKto() {
        return desirable.length > 0;
    }

    /** The first B rows (chosen answers, or KTO completions) as a batch of their own. */
    public Batch firstRows() {
        return slice(0, pairs);
    }

    /** The last B rows (rejected answers, or KTO mismatched completions) as a batch of their own. */
    public Batch secondRows() {
        return slice(pairs, 2 * pairs);
    }

    /** Rows {@code [from, to)} still padded to this batch's length; its input-token count includes the padding. */
    private Batch slice(int from, int to) {
        int[][] ids = Arrays.copyOfRange(rows.inputIds(), from, to);
        int[][] labels = Arrays.copyOfRange(rows.labels(), from, to);
        long targets = 0;
        for (int[] row : labels) {
            for (int t = 1; t < row.length; t++) {
                targets += row[t] != TokenizedSample.IGNORE_INDEX ? 1 : 0;
            }
        }
        return new Batch(ids, labels, (long) (to - from) * rows.sequenceLength(), targets,
                Arrays.copyOfRange(rows.lengths(), from, to));
    }

    /**
     * The pair losses of this batch with the model's current weights.
     *
     * @param training true in a training step (gradient recorded by the caller's collector; dropout on)
     */
    public PreferenceObjective.PairLosses losses(NDManager step, TrainableModel model,
            Optional<ReferenceModel> reference, PreferenceObjective objective, int chunkTokens, boolean training) {
        Optional<PreferenceObjective.LogProbs> ref = Optional.empty();
        if (objective.config().loss().usesReference()) {
            ReferenceModel referenceModel = reference.orElseThrow(() -> new IllegalStateException("pref_loss "
                    + objective.config().loss().configName() + " needs a reference model"));
            ref = Optional.of(split(step, referenceModel.logProbs(step, rows, chunkTokens)));
        }
        NDArray hidden = model.hiddenStates(step, rows.inputIdsArray(step), training);         // (2B, T, C)
        NDArray logps = SequenceLogProbs.sum(step, hidden, model.lmHeadWeight(), rows, chunkTokens); // (2B,)
        long[] counts = SequenceLogProbs.counts(rows);
        return objective.losses(step, split(step, logps), ref, Arrays.copyOfRange(counts, 0, pairs),
                Arrays.copyOfRange(counts, pairs, 2 * pairs));
    }

    private PreferenceObjective.LogProbs split(NDManager step, NDArray logps) {
        NDArray chosen = logps.get(new NDIndex("0:{}", pairs));                                 // (B,)
        NDArray rejected = logps.get(new NDIndex("{}:", pairs));                                // (B,)
        chosen.attach(step);
        rejected.attach(step);
        return new PreferenceObjective.LogProbs(chosen, rejected);
    }
}
