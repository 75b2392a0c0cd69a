package io.tuneforge.web.evaluate;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.server.streams.DownloadHandler;
import io.tuneforge.core.evaluation.Criterion;
import io.tuneforge.core.evaluation.EvaluationResults;
import io.tuneforge.core.evaluation.ModelResult;
import io.tuneforge.web.layout.Plural;
import java.util.Locale;
import java.util.OptionalDouble;

/** A session's unblinded results per model (mean per criterion, overall, win rate) and the CSV download. */
class ResultsPanel extends Composite<VerticalLayout> {

    final Span summary = new Span();
    final Grid<ModelResult> grid = new Grid<>();
    final Anchor csv = new Anchor();

    ResultsPanel() {
        summary.setId("evaluate-results-summary");
        grid.setId("evaluate-results");
        grid.setAllRowsVisible(true);
        grid.addColumn(r -> r.model().key()).setHeader("Model").setAutoWidth(true);
        for (Criterion criterion : Criterion.values()) {
            grid.addColumn(r -> decimal(r.mean(criterion))).setHeader(criterion.label()).setAutoWidth(true);
        }
        grid.addColumn(r -> decimal(r.overall())).setHeader("Overall").setAutoWidth(true);
        grid.addColumn(ModelResult::wins).setHeader("Wins").setAutoWidth(true);
        grid.addColumn(r -> percent(r.winRate())).setHeader("Win rate").setAutoWidth(true);
        grid.addColumn(ModelResult::ratings).setHeader("Ratings").setAutoWidth(true);
        csv.setId("evaluate-csv");
        csv.setText("Download ratings (CSV, unblinded)");
        csv.getElement().setAttribute("download", true);
        getContent().setPadding(false);
        getContent().add(summary, grid, csv);
    }

    void show(EvaluationResults results, DownloadHandler export) {
        summary.setText(summary(results));
        grid.setItems(results.models());
        csv.setHref(export);
    }

    /** "3 ratings by 1 rater on 2 items; ties: 1 (33 %)". */
    static String summary(EvaluationResults results) {
        return Plural.of(results.ratings(), "rating") + " by " + Plural.of(results.raters(), "rater") + " on "
                + Plural.of(results.items(), "item") + "; ties: " + results.ties() + " (" + percent(results.tieRate())
                + ")";
    }

    static String decimal(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.2f", value.getAsDouble()) : "–";
    }

    static String percent(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.0f %%", 100 * value.getAsDouble()) : "–";
    }
}
