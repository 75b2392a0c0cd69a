package io.tuneforge.web.dataset;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.tabs.TabSheet;
import io.tuneforge.core.dataset.DatasetRecord;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.ValidationSummary;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.preview.DatasetPreviewService;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.Plural;
import io.tuneforge.web.layout.Sizes;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One dataset version: its versions, format (with override), validation report, a preview of its rows, its training
 * text for a chosen model (trained spans highlighted, token-length histogram) and its train/validation split.
 */
class DatasetDetails extends Composite<VerticalLayout> {

    /** Rows shown in the preview grid. */
    static final int PREVIEW_ROWS = 50;
    private static final int CELL_CHARS = 300;

    private final DatasetService datasets;
    private final Actor actor;
    private final Runnable onChange;

    final Span heading = new Span();
    final Select<VersionDetails> versions = new Select<>();
    final Select<DatasetFormat> format = new Select<>();
    final Button reread = new Button("Read as this format");
    final Span summary = new Span();
    final Grid<ValidationSummary.Problem> problems = new Grid<>(ValidationSummary.Problem.class, false);
    final Grid<DatasetRecord> preview = new Grid<>();
    final TabSheet tabs = new TabSheet();
    final TrainingTextPanel trainingText;
    final SplitPanel split;

    DatasetDetails(DatasetService datasets, DatasetPreviewService previews, Actor actor, Runnable onChange) {
        this.datasets = datasets;
        this.trainingText = new TrainingTextPanel(previews, actor);
        this.split = new SplitPanel(previews, actor);
        this.actor = actor;
        this.onChange = onChange;
        configureProblems();
        heading.getStyle().set("font-weight", "600").set("font-size", "var(--lumo-font-size-l)");
        versions.setLabel("Version");
        versions.setItemLabelGenerator(v -> "v" + v.version() + " · " + v.fileName());
        versions.addValueChangeListener(e -> {
            if (e.isFromClient() && e.getValue() != null) {
                showVersion(e.getValue());
            }
        });
        format.setLabel("Read as");
        format.setItems(DatasetFormat.values());
        format.setItemLabelGenerator(f -> f.name().toLowerCase());
        reread.addClickListener(click -> changeFormat());
        HorizontalLayout controls = new HorizontalLayout(versions, format, reread);
        controls.setWrap(true); // fits narrow windows (1280×720) by wrapping
        controls.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        tabs.add("Validation report", problems);
        tabs.add("Preview", preview);
        tabs.add("Training text", trainingText);
        tabs.add("Split", split);
        tabs.setWidthFull();
        getContent().add(heading, controls, summary, tabs);
        getContent().setPadding(false);
        getContent().setWidthFull();
        setVisible(false);
    }

    /** Shows a version, or hides the panel when empty. */
    void show(Optional<Long> versionId) {
        setVisible(versionId.isPresent());
        versionId.ifPresent(id -> {
            VersionDetails version = datasets.version(actor, id);
            versions.setItems(datasets.versions(actor, version.datasetId()));
            showVersion(version);
        });
    }

    /** " (MISSING_FIELD 2, DUPLICATE_ROW 1)" when the validator counted problems by kind, else "". */
    private static String byKind(ValidationSummary report) {
        if (report.countsByKind().isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder(" (");
        report.countsByKind().forEach((kind, count) -> text.append(text.length() > 2 ? ", " : "").append(kind)
                .append(' ').append(count));
        return text.append(')').toString();
    }

    private void showVersion(VersionDetails version) {
        versions.setValue(version);
        heading.setText(version.datasetName() + " v" + version.version());
        format.setValue(version.format());
        summary.setText(Plural.of(version.report().rows(), "row") + " · "
                + Plural.of(version.report().problemCount(), "problem")
                + byKind(version.report()) + " · " + version.fileName() + " · " + Sizes.bytes(version.sizeBytes())
                + (version.mapping().isEmpty() ? "" : " · columns " + version.mapping().describe())
                + " · sha256 "
                + version.sha256().substring(0, 12));
        summary.getElement().appendChild(statusBadge(version.status()).getElement());
        problems.setItems(version.report().problems());
        showPreview(version.id());
        trainingText.showVersion(version.id());
        split.showVersion(version.id());
    }

    private void configureProblems() {
        problems.addColumn(ValidationSummary.Problem::row).setHeader("Row").setAutoWidth(true).setFlexGrow(0);
        problems.addColumn(ValidationSummary.Problem::field).setHeader("Field").setAutoWidth(true).setFlexGrow(0);
        problems.addColumn(ValidationSummary.Problem::reason).setHeader("Reason").setFlexGrow(1);
        problems.setHeight("18em");
        problems.setEmptyStateText("No problems: every row has what its format needs.");
    }

    private void showPreview(long versionId) {
        preview.removeAllColumns();
        List<DatasetRecord> rows;
        try {
            rows = datasets.preview(actor, versionId, PREVIEW_ROWS);
        } catch (DatasetException e) {
            preview.setItems(List.of());
            preview.setEmptyStateText(e.getMessage());
            return;
        }
        preview.addColumn(DatasetRecord::row).setHeader("Row").setAutoWidth(true).setFlexGrow(0);
        for (String key : keys(rows)) {
            preview.addColumn(r -> cell(r.value().get(key))).setHeader(key).setResizable(true);
        }
        preview.setItems(rows);
        preview.setHeight("22em");
    }

    private void changeFormat() {
        VersionDetails current = versions.getValue();
        if (current == null || format.getValue() == null) {
            return;
        }
        try {
            VersionDetails changed = datasets.changeFormat(actor, current.id(), format.getValue());
            versions.setItems(datasets.versions(actor, changed.datasetId()));
            showVersion(changed);
            onChange.run();
        } catch (DatasetException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    static Span statusBadge(DatasetVersion.Status status) {
        Span badge = new Span(status.name().toLowerCase());
        badge.getElement().getThemeList().add("badge " + switch (status) {
            case VALID -> "success";
            case INVALID -> "error";
            case VALIDATING -> "contrast";
        });
        badge.getStyle().set("margin-left", "var(--lumo-space-s)");
        return badge;
    }

    private static Set<String> keys(List<DatasetRecord> rows) {
        Set<String> keys = new LinkedHashSet<>();
        rows.forEach(r -> r.value().propertyNames().forEach(keys::add));
        return keys;
    }

    private static String cell(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        String text = value.isString() ? value.asString() : value.toString();
        return text.length() > CELL_CHARS ? text.substring(0, CELL_CHARS) + "…" : text;
    }
}
