package io.tuneforge.web.dataset;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.IntegerField;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.data.encoding.EncodedExample;
import io.tuneforge.trainer.data.encoding.EncodingStats;
import io.tuneforge.trainer.data.encoding.LengthBucket;
import io.tuneforge.trainer.data.encoding.Segment;
import io.tuneforge.trainer.data.preview.DatasetPreviewException;
import io.tuneforge.trainer.data.preview.DatasetPreviewService;
import io.tuneforge.trainer.data.preview.TrainingPreview;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.web.layout.Notifications;
import java.util.Locale;
import java.util.Optional;

/**
 * A dataset version as a chosen base model trains on it: the first rows rendered with the chat template, the trained
 * text highlighted, and a token-length histogram with the rows cut at the cutoff. Text is always set as text (never
 * as HTML), so data containing markup shows as written.
 */
class TrainingTextPanel extends Composite<VerticalLayout> {

    /** Rows shown rendered. */
    static final int SAMPLES = 5;
    /** Rows measured for the statistics (keeps the page responsive on large datasets). */
    static final int STATISTICS_ROWS = 2_000;
    /** Style class of a trained stretch of text. */
    static final String TRAINED = TrainingSample.TRAINED;
    /** Style class of a histogram bar. */
    static final String BAR = "length-bar";

    private final DatasetPreviewService previews;
    private final Actor actor;
    private Optional<Long> versionId = Optional.empty();

    final Select<BaseModelSummary> model = new Select<>();
    final Select<String> template = new Select<>();
    final IntegerField cutoff = new IntegerField("Cutoff (tokens)");
    final Button render = new Button("Render");
    final Span statistics = new Span();
    final Div histogram = new Div();
    final VerticalLayout samples = new VerticalLayout();

    TrainingTextPanel(DatasetPreviewService previews, Actor actor) {
        this.previews = previews;
        this.actor = actor;
        configureControls();
        configureHistogram();
        samples.setPadding(false);
        getContent().add(controls(), legend(), statistics, histogram, samples);
        getContent().setPadding(false);
    }

    /** Switches to another version and clears what was rendered for the previous one. */
    void showVersion(long version) {
        versionId = Optional.of(version);
        clear();
    }

    private void configureControls() {
        model.setLabel("Base model");
        model.setItems(previews.models(actor));
        model.setItemLabelGenerator(BaseModelSummary::name);
        model.setHelperText("Register a base model on the Models page to see its chat template and tokens.");
        template.setLabel("Chat template");
        template.setItems(previews.templates());
        template.setValue(ChatTemplates.MODEL);
        template.setItemLabelGenerator(t -> ChatTemplates.MODEL.equals(t) ? "auto (the model's own, else its family's)" : t);
        cutoff.setValue(2048);
        cutoff.setMin(2);
        cutoff.setStepButtonsVisible(true);
        cutoff.setHelperText("cutoff_len of the job: longer rows are cut.");
        render.addClickListener(click -> renderPreview());
        render.setId("render-training-text");
    }

    private HorizontalLayout controls() {
        HorizontalLayout controls = new HorizontalLayout(model, template, cutoff, render);
        controls.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        controls.setWrap(true);
        return controls;
    }

    private static HorizontalLayout legend() {
        Span trained = trainedSpan("trained (the loss is computed on it)");
        Span prompt = new Span("prompt and template text (context only, not trained)");
        prompt.getStyle().set("border", "1px dashed var(--lumo-contrast-30pct)")
                .set("padding", "0 var(--lumo-space-xs)");
        HorizontalLayout legend = new HorizontalLayout(new Span("Legend:"), trained, prompt);
        legend.getStyle().set("font-size", "var(--lumo-font-size-s)");
        return legend;
    }

    private void configureHistogram() {
        histogram.getStyle().set("display", "flex").set("align-items", "flex-end").set("gap", "2px")
                .set("height", "10em").set("padding-top", "var(--lumo-space-m)");
        histogram.setWidthFull();
    }

    private void renderPreview() {
        if (versionId.isEmpty() || model.getValue() == null || cutoff.getValue() == null) {
            Notifications.error("Choose a base model and a cutoff first");
            return;
        }
        try {
            display(previews.trainingPreview(actor, versionId.get(), model.getValue().id(),
                    Optional.ofNullable(template.getValue()), cutoff.getValue(), SAMPLES, STATISTICS_ROWS));
        } catch (DatasetPreviewException | DatasetException | AccessRefusedException e) {
            clear();
            Notifications.error(e.getMessage());
        }
    }

    private void display(TrainingPreview preview) {
        clear();
        statistics.setText(statisticsText(preview));
        showHistogram(preview.stats(), preview.cutoff());
        for (int i = 0; i < preview.samples().size(); i++) {
            samples.add(sample(i, preview.samples().get(i)));
        }
    }

    private void clear() {
        statistics.setText("");
        histogram.removeAll();
        samples.removeAll();
    }

    static String statisticsText(TrainingPreview preview) {
        EncodingStats stats = preview.stats();
        String scope = preview.statisticsCoverAllRows() ? stats.rows() + " rows"
                : "first " + stats.rows() + " of " + preview.totalRows() + " rows";
        return String.format(Locale.ROOT, "%s · template %s · mean %.1f tokens · max %d · %d truncated at the "
                        + "cutoff of %d · %d without a trained token", scope, preview.template(), stats.meanLength(),
                stats.maxLength(), stats.truncated(), preview.cutoff(), stats.withoutTargets());
    }

    private void showHistogram(EncodingStats stats, int cutoffTokens) {
        long max = stats.buckets().stream().mapToLong(LengthBucket::count).max().orElse(1);
        for (LengthBucket bucket : stats.buckets()) {
            histogram.add(bar(bucket, max, bucket.low() > cutoffTokens));
        }
    }

    /** One bar: its count on top, its height proportional to the count, its token range below. */
    private static Component bar(LengthBucket bucket, long max, boolean beyondCutoff) {
        Div fill = new Div();
        fill.getStyle().set("height", Math.max(1, 100 * bucket.count() / Math.max(1, max)) + "%")
                .set("background", beyondCutoff ? "var(--lumo-error-color-50pct)" : "var(--lumo-primary-color-50pct)")
                .set("border-radius", "var(--lumo-border-radius-s) var(--lumo-border-radius-s) 0 0");
        Span count = new Span(Long.toString(bucket.count()));
        Span range = new Span(bucket.low() + "–" + bucket.high());
        range.getStyle().set("font-size", "var(--lumo-font-size-xxs)").set("white-space", "nowrap");
        count.getStyle().set("font-size", "var(--lumo-font-size-xs)");
        Div column = new Div(count, fill, range);
        column.addClassName(BAR);
        column.getElement().setAttribute("data-count", Long.toString(bucket.count()));
        column.getElement().setAttribute("title", bucket.low() + " to " + bucket.high() + " tokens: " + bucket.count()
                + " rows" + (beyondCutoff ? " (longer than the cutoff: truncated)" : ""));
        column.getStyle().set("display", "flex").set("flex-direction", "column").set("justify-content", "flex-end")
                .set("align-items", "stretch").set("text-align", "center").set("flex", "1 1 0").set("height", "100%")
                .set("min-width", "2.5em");
        return column;
    }

    private static Component sample(int index, EncodedExample encoded) {
        return TrainingSample.of(index, encoded);
    }

    private static Span trainedSpan(String text) {
        return TrainingSample.trainedSpan(text);
    }
}
