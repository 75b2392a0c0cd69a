package io.tuneforge.trainer.training.ppo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.reward.RewardModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores from a finished reward model (stage rm): its value head on the hidden state of the last response token of
 * {@code query + response} (LLaMA-Factory's {@code get_rewards} with {@code reward_model_type: full/lora}), without
 * gradient.
 */
public final class RewardModelScores implements RewardFunction {

    private final RewardModel model;
    private final int padTokenId;

    public RewardModelScores(RewardModel model, int padTokenId) {
        this.model = model;
        this.padTokenId = padTokenId;
    }

    @Override
    public double[] scores(List<int[]> queries, List<int[]> responses) {
        List<TokenizedSample> rows = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            rows.add(PpoRollouts.row(queries.get(i), responses.get(i)));
        }
        try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
            return model.rewards(step, Batch.collate(rows, padTokenId), false).toType(DataType.FLOAT64, false)
                    .toDoubleArray();
        }
    }

    static int[] joined(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
