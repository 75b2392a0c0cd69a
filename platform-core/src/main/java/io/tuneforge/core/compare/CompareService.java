package io.tuneforge.core.compare;

import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.core.user.Actor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeSet;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Puts runs side by side: their curves, the settings that differ, and their final metrics. */
@Service
@Transactional(readOnly = true)
public class CompareService {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JobMonitorService monitor;

    public CompareService(JobMonitorService monitor) {
        this.monitor = monitor;
    }

    /**
     * One configuration key across the runs.
     *
     * @param key     config key
     * @param values  the value per run, in run order ("" when a run lacks it)
     * @param differs true when not all runs have the same value
     */
    public record ConfigRow(String key, List<String> values, boolean differs) {
    }

    /**
     * A run's final numbers.
     *
     * @param run           the run
     * @param lastLoss      training loss at the last logged step
     * @param lastEvalLoss  validation loss at the last evaluation
     * @param bestEvalLoss  lowest validation loss
     * @param steps         steps done
     * @param trainedTokens tokens trained
     */
    public record FinalMetrics(JobOverview run, OptionalDouble lastLoss, OptionalDouble lastEvalLoss,
            OptionalDouble bestEvalLoss, int steps, long trainedTokens) {
    }

    /**
     * The comparison.
     *
     * @param runs    the runs, in the order asked
     * @param curves  per run id, its metric points
     * @param config  every config key, differing ones first
     * @param metrics final numbers per run
     */
    public record Comparison(List<JobOverview> runs, Map<Long, List<MetricPoint>> curves, List<ConfigRow> config,
            List<FinalMetrics> metrics) {
    }

    public Comparison compare(Actor actor, List<Long> jobIds) {
        List<JobOverview> runs = jobIds.stream().map(id -> monitor.get(actor, id)).toList();
        Map<Long, List<MetricPoint>> curves = new LinkedHashMap<>();
        List<FinalMetrics> finals = new ArrayList<>();
        for (JobOverview run : runs) {
            List<MetricPoint> points = monitor.metrics(actor, run.id(), 0);
            curves.put(run.id(), points);
            finals.add(new FinalMetrics(run, last(points, MetricNames.LOSS), last(points, MetricNames.EVAL_LOSS),
                    points.stream().filter(p -> p.name().equals(MetricNames.EVAL_LOSS)).mapToDouble(MetricPoint::value).min(),
                    run.currentStep(), run.trainedTokens()));
        }
        return new Comparison(runs, curves, configRows(runs), finals);
    }

    static List<ConfigRow> configRows(List<JobOverview> runs) {
        List<Map<String, String>> configs = runs.stream().map(CompareService::flatConfig).toList();
        TreeSet<String> keys = new TreeSet<>();
        configs.forEach(c -> keys.addAll(c.keySet()));
        List<ConfigRow> differing = new ArrayList<>();
        List<ConfigRow> same = new ArrayList<>();
        for (String key : keys) {
            List<String> values = configs.stream().map(c -> c.getOrDefault(key, "")).toList();
            boolean differs = values.stream().distinct().count() > 1;
            (differs ? differing : same).add(new ConfigRow(key, values, differs));
        }
        differing.addAll(same);
        return differing;
    }

    private static Map<String, String> flatConfig(JobOverview run) {
        Map<String, String> flat = new LinkedHashMap<>();
        flat.put("base model", run.baseModel());
        flat.put("dataset", run.dataset());
        flat.put("method", run.methodLabel());
        JsonNode config = JSON.readTree(run.configJson());
        config.properties().forEach(e -> {
            if (!e.getKey().equals("dataset_mix") && !e.getKey().equals("model_name_or_path")) {
                flat.put(e.getKey(), e.getValue().isString() ? e.getValue().asString() : e.getValue().toString());
            }
        });
        return flat;
    }

    private static OptionalDouble last(List<MetricPoint> points, String name) {
        return points.stream().filter(p -> Objects.equals(p.name(), name)).reduce((a, b) -> b)
                .map(p -> OptionalDouble.of(p.value())).orElse(OptionalDouble.empty());
    }
}
