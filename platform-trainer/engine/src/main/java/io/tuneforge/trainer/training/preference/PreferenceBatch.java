package io.tuneforge.trainer.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
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
 * @param rows  the 2B rows
 * @param pairs B
 */
public record PreferenceBatch(Batch rows, int pairs) {

    /** Collates pairs: rows {@code [0, B)} chosen, {@code [B, 2B)} rejected. */
    public static PreferenceBatch collate(List<PreferencePair> pairs, int padTokenId) {
        List<TokenizedSample> rows = new ArrayList<>(pairs.size() * 2);
        pairs.forEach(p -> rows.add(p.chosen()));
        pairs.forEach(p -> rows.add(p.rejected()));
        return new PreferenceBatch(Batch.collate(rows, padTokenId), pairs.size());
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
