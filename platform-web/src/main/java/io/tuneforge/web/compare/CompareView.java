package io.tuneforge.web.compare;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.combobox.MultiSelectComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.compare.CompareService;
import io.tuneforge.core.compare.CompareService.Comparison;
import io.tuneforge.core.compare.CompareService.ConfigRow;
import io.tuneforge.core.compare.CompareService.FinalMetrics;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.MetricPoint;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.MetricNames;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.chart.MetricChart;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/** Runs side by side: overlaid loss curves, the settings that differ, final metrics. */
@Route("compare")
@PageTitle("Compare · TuneForge")
@Menu(title = "Compare", order = 4, icon = "vaadin:chart-line")
@PermitAll
public class CompareView extends VerticalLayout {

    private final CompareService compare;
    private final JobMonitorService monitor;
    private final Actor actor;

    final MultiSelectComboBox<JobOverview> runs = new MultiSelectComboBox<>("Runs");
    final Button show = new Button("Compare");
    final Div charts = new Div();
    final Grid<ConfigRow> config = new Grid<>();
    final Grid<FinalMetrics> metrics = new Grid<>();
    MetricChart lossChart;
    MetricChart evalChart;

    public CompareView(CompareService compare, JobMonitorService monitor, CurrentActor currentActor) {
        this.compare = compare;
        this.monitor = monitor;
        this.actor = currentActor.get();
        runs.setItemLabelGenerator(j -> "#" + j.id() + " " + j.name() + " (" + j.status().apiName() + ")");
        runs.setWidth("40em");
        show.addClickListener(click -> show());
        runs.setId("compare-runs");
        show.setId("compare-show");
        charts.setId("compare-charts");
        HorizontalLayout bar = new HorizontalLayout(runs, show);
        bar.setWrap(true); // fits narrow windows (1280×720) by wrapping
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        charts.setWidthFull();
        charts.getStyle().set("display", "grid").set("grid-template-columns", "repeat(auto-fit, minmax(420px, 1fr))");
        add(new SectionHeader("Compare", "Runs side by side: curves, configuration and final metrics."), bar, charts,
                new H3("Final metrics"), metrics, new H3("Configuration (differences first)"), config);
        metrics.setAllRowsVisible(true);
        config.setAllRowsVisible(true);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        runs.setItems(monitor.list(actor));
    }

    void show() {
        List<Long> ids = runs.getSelectedItems().stream().map(JobOverview::id).sorted().toList();
        Comparison comparison = compare.compare(actor, ids);
        showCurves(comparison);
        showMetrics(comparison);
        showConfig(comparison);
    }

    private void showCurves(Comparison comparison) {
        List<String> lossSeries = new ArrayList<>();
        List<String> evalSeries = new ArrayList<>();
        List<MetricPoint> loss = new ArrayList<>();
        List<MetricPoint> eval = new ArrayList<>();
        for (JobOverview run : comparison.runs()) {
            String label = "#" + run.id() + " " + run.name();
            lossSeries.add(label);
            evalSeries.add(label);
            for (MetricPoint point : comparison.curves().get(run.id())) {
                if (point.name().equals(MetricNames.LOSS)) {
                    loss.add(new MetricPoint(point.step(), label, point.value()));
                } else if (point.name().equals(MetricNames.EVAL_LOSS)) {
                    eval.add(new MetricPoint(point.step(), label, point.value()));
                }
            }
        }
        charts.removeAll();
        lossChart = new MetricChart("Training loss", lossSeries, false, false);
        evalChart = new MetricChart("Validation loss", evalSeries, false, false).markPoints(evalSeries);
        lossChart.append(sortedByStep(loss));
        evalChart.append(sortedByStep(eval));
        charts.add(lossChart, evalChart);
    }

    private static List<MetricPoint> sortedByStep(List<MetricPoint> points) {
        return points.stream().sorted((a, b) -> Integer.compare(a.step(), b.step())).toList();
    }

    private void showMetrics(Comparison comparison) {
        metrics.removeAllColumns();
        metrics.addColumn(m -> "#" + m.run().id() + " " + m.run().name()).setHeader("Run").setAutoWidth(true);
        metrics.addColumn(m -> m.run().status().apiName()).setHeader("Status").setAutoWidth(true);
        metrics.addColumn(m -> format(m.lastLoss())).setHeader("Last loss").setAutoWidth(true);
        metrics.addColumn(m -> format(m.lastEvalLoss())).setHeader("Last validation loss").setAutoWidth(true);
        metrics.addColumn(m -> format(m.bestEvalLoss())).setHeader("Best validation loss").setAutoWidth(true);
        metrics.addColumn(FinalMetrics::steps).setHeader("Steps").setAutoWidth(true);
        metrics.addColumn(FinalMetrics::trainedTokens).setHeader("Tokens").setAutoWidth(true);
        metrics.setItems(comparison.metrics());
    }

    private void showConfig(Comparison comparison) {
        config.removeAllColumns();
        config.addColumn(ConfigRow::key).setHeader("Setting").setAutoWidth(true);
        for (int i = 0; i < comparison.runs().size(); i++) {
            int index = i;
            config.addColumn(row -> row.values().get(index)).setHeader("#" + comparison.runs().get(i).id());
        }
        config.setPartNameGenerator(row -> row.differs() ? "differs" : null);
        config.setItems(comparison.config());
    }

    private static String format(OptionalDouble value) {
        return value.isPresent() ? String.format("%.4f", value.getAsDouble()) : "";
    }
}
