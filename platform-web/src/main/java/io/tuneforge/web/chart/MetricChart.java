package io.tuneforge.web.chart;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.Tag;
import com.vaadin.flow.component.dependency.JsModule;
import com.vaadin.flow.component.html.Div;
import io.tuneforge.core.job.MetricPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A line chart of one or more training metrics over steps, drawn by uPlot in the browser. Points are kept on the
 * server too, so a re-attached chart (page reload, navigation back) draws everything again.
 *
 * <p>With {@code smoothed}, the first metric gets a second line: its exponential moving average
 * ({@code ema = w·ema + (1−w)·x}, w = {@link #SMOOTHING}), as LLaMA-Factory's loss plot shows.
 */
@Tag("div")
@JsModule("context://chart/metric-chart.js")
public class MetricChart extends Div {

    /** EMA weight of the previous value. */
    public static final double SMOOTHING = 0.9;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String title;
    private final List<String> metrics;
    private final boolean smoothed;
    private final boolean logScale;
    /** step → one value per series (null for a gap); series = metrics, with the EMA after the first when smoothed. */
    private final TreeMap<Integer, Double[]> rows = new TreeMap<>();
    private Double ema;
    /** Series drawn with a marker at every point (sparse ones, like the validation loss: one point alone has no line). */
    private final List<String> markedSeries = new ArrayList<>();

    public MetricChart(String title, List<String> metrics, boolean smoothed, boolean logScale) {
        this.title = title;
        this.metrics = List.copyOf(metrics);
        this.smoothed = smoothed;
        this.logScale = logScale;
        setWidthFull();
        setMinHeight("240px");
        addClassName("tf-metric-chart");
    }

    /**
     * Draws a marker at every point of these series: a series with a point every few hundred steps (the validation
     * loss) would otherwise show nothing until it has two points, and a lone point never.
     */
    public MetricChart markPoints(List<String> series) {
        markedSeries.addAll(series);
        return this;
    }

    /** The series drawn with markers. */
    public List<String> markedSeries() {
        return List.copyOf(markedSeries);
    }

    /** The names of the drawn lines. */
    public List<String> seriesLabels() {
        List<String> labels = new ArrayList<>(metrics);
        if (smoothed) {
            labels.add(1, metrics.get(0) + " (smoothed)");
        }
        return labels;
    }

    /** Steps drawn so far. */
    public int pointCount() {
        return rows.size();
    }

    /** The value of one series at a step, if drawn. */
    public Double value(int step, String series) {
        Double[] row = rows.get(step);
        int index = seriesLabels().indexOf(series);
        return row == null || index < 0 ? null : row[index];
    }

    /** Adds new points (those of other metrics are ignored) and sends only the new rows to the browser. */
    public void append(List<MetricPoint> points) {
        Integer lastDrawn = rows.isEmpty() ? null : rows.lastKey();
        Map<Integer, Double[]> changed = new LinkedHashMap<>();
        for (MetricPoint point : points) {
            int index = metrics.indexOf(point.name());
            if (index < 0) {
                continue;
            }
            Double[] row = rows.computeIfAbsent(point.step(), s -> new Double[seriesLabels().size()]);
            if (index == 0 && smoothed) {
                ema = ema == null ? point.value() : SMOOTHING * ema + (1 - SMOOTHING) * point.value();
                row[0] = point.value();
                row[1] = ema;
            } else {
                row[smoothed && index > 0 ? index + 1 : index] = point.value();
            }
            changed.put(point.step(), row);
        }
        if (changed.isEmpty()) {
            return;
        }
        boolean onlyNewSteps = lastDrawn != null && changed.keySet().stream().allMatch(step -> step > lastDrawn);
        if (onlyNewSteps && isAttached()) {
            getElement().executeJs("window.tuneforgeChart.append(this, JSON.parse($0))", rowsJson(changed));
        } else if (isAttached()) {
            draw();
        }
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        draw();
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        getElement().executeJs("window.tuneforgeChart && window.tuneforgeChart.destroy(this)");
    }

    private void draw() {
        ObjectNode config = JSON.createObjectNode();
        config.put("title", title);
        config.put("logScale", logScale);
        ArrayNode series = config.putArray("series");
        seriesLabels().forEach(series::add);
        ArrayNode marked = config.putArray("marked");
        markedSeries.forEach(marked::add);
        ArrayNode columns = JSON.createArrayNode();
        ArrayNode steps = columns.addArray();
        rows.keySet().forEach(steps::add);
        for (int i = 0; i < seriesLabels().size(); i++) {
            ArrayNode column = columns.addArray();
            for (Double[] row : rows.values()) {
                addValue(column, row[i]);
            }
        }
        getElement().executeJs("window.tuneforgeChart.init(this, JSON.parse($0), JSON.parse($1))",
                config.toString(), columns.toString());
    }

    private static String rowsJson(Map<Integer, Double[]> changed) {
        ArrayNode list = JSON.createArrayNode();
        changed.forEach((step, values) -> {
            ArrayNode row = list.addArray();
            row.add(step);
            for (Double value : values) {
                addValue(row, value);
            }
        });
        return list.toString();
    }

    private static void addValue(ArrayNode array, Double value) {
        if (value == null || value.isNaN() || value.isInfinite()) {
            array.addNull();
        } else {
            array.add(value);
        }
    }
}
