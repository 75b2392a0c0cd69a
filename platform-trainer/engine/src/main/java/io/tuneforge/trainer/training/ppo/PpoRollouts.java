package io.tuneforge.trainer.training.ppo;

import io.tuneforge.trainer.data.TokenizedSample;

import java.util.Arrays;

/** Rollout rows: a query followed by its response, labels on the response only. */
final class PpoRollouts {

    private PpoRollouts() {
    }

    /** {@code query + response}, labels {@link TokenizedSample#IGNORE_INDEX} on the query. */
    static TokenizedSample row(int[] query, int[] response) {
        int[] ids = Arrays.copyOf(query, query.length + response.length);
        System.arraycopy(response, 0, ids, query.length, response.length);
        int[] labels = new int[ids.length];
        Arrays.fill(labels, 0, query.length, TokenizedSample.IGNORE_INDEX);
        System.arraycopy(response, 0, labels, query.length, response.length);
        return new TokenizedSample(ids, labels);
    }
}
