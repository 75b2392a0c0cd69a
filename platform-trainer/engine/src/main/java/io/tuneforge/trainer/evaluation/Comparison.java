package io.tuneforge.trainer.evaluation;

import io.tuneforge.shared.evaluation.ComparisonRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Base versus tuned on the same held-out set: both reports, their per-row answers, and a side-by-side table with
 * deltas (tuned − base).
 *
 * @param base  the base model's report
 * @param tuned the tuned model's report
 * @param rows  per-row answers of both
 */
public record Comparison(EvalReport base, EvalReport tuned, List<ComparisonRow> rows) {

    public Comparison {
        rows = List.copyOf(rows);
    }

    /** Pairs the two prediction lists row by row. */
    public static List<ComparisonRow> rows(List<Prediction> base, List<Prediction> tuned) {
        List<ComparisonRow> rows = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) {
            rows.add(new ComparisonRow(base.get(i).prompt(), base.get(i).label(), base.get(i).predict(),
                    tuned.get(i).predict()));
        }
        return rows;
    }

    /** Metric name to {base, tuned, delta}, in report order (numeric metrics only). */
    public Map<String, double[]> deltas() {
        Map<String, Object> b = base.asMap();
        Map<String, Object> t = tuned.asMap();
        Map<String, double[]> out = new LinkedHashMap<>();
        b.forEach((key, value) -> {
            if (value instanceof Double bv && t.get(key) instanceof Double tv) {
                out.put(key, new double[] {bv, tv, tv - bv});
            }
        });
        return out;
    }

    /** The side-by-side table as aligned text. */
    public String table() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %12s %12s %12s%n", "metric", "base",
                "tuned", "delta"));
        deltas().forEach((key, v) -> sb.append(String.format(Locale.ROOT, "%-12s %12.4f %12.4f %+12.4f%n", key, v[0],
                v[1], v[2])));
        base.generation().ifPresent(g -> sb.append("tokenization: ").append(g.tokenizationSummary()).append('\n'));
        return sb.toString();
    }

    /** JSON-ready map: base, tuned and delta per metric. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", base.samples());
        m.put("base", base.asMap());
        m.put("tuned", tuned.asMap());
        Map<String, Double> delta = new LinkedHashMap<>();
        deltas().forEach((key, v) -> delta.put(key, v[2]));
        m.put("delta", delta);
        return m;
    }
}
