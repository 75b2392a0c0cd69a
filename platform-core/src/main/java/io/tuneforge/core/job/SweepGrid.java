package io.tuneforge.core.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hyperparameter grid: every combination of the listed values becomes one job of a sweep group.
 *
 * @param learningRates values of {@code learning_rate}
 * @param loraRanks     values of {@code lora_rank} (ignored for full and freeze)
 * @param epochs        values of {@code num_train_epochs}
 */
public record SweepGrid(List<Double> learningRates, List<Integer> loraRanks, List<Double> epochs) {

    /** The most jobs one sweep may queue. */
    public static final int MAX_POINTS = 64;

    /** Each point as the config keys it overrides, in a stable order. */
    public List<Map<String, Object>> points(FineTuningMethod method) {
        List<Map<String, Object>> points = new ArrayList<>();
        List<Integer> ranks = method == FineTuningMethod.LORA && !loraRanks.isEmpty() ? loraRanks : listOfNull();
        for (Double lr : learningRates.isEmpty() ? List.<Double>of() : learningRates) {
            for (Integer rank : ranks) {
                for (Double epoch : epochs) {
                    Map<String, Object> point = new LinkedHashMap<>();
                    point.put("learning_rate", lr);
                    if (rank != null) {
                        point.put("lora_rank", rank);
                    }
                    point.put("num_train_epochs", epoch);
                    points.add(point);
                }
            }
        }
        return points;
    }

    private static List<Integer> listOfNull() {
        List<Integer> single = new ArrayList<>();
        single.add(null);
        return single;
    }
}
