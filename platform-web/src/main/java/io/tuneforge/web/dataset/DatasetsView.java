package io.tuneforge.web.dataset;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.component.upload.Upload;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.streams.UploadEvent;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.core.dataset.DatasetRejectedException;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetSummary;
import io.tuneforge.core.dataset.ImportResult;
import io.tuneforge.core.dataset.ValidationSummary;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.data.preview.DatasetPreviewService;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.layout.Sizes;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.io.InputStream;
import java.util.Optional;

/** Upload, validate and preview training data, see it as a model trains on it, and check its split. */
@Route("datasets")
@PageTitle("Datasets · TuneForge")
@Menu(title = "Datasets", order = 1, icon = "vaadin:database")
@PermitAll
public class DatasetsView extends VerticalLayout {

    /** The format choice that means "detect from the first record". */
    static final String AUTO_DETECT = "Detect automatically";
    /** Problems of a refused upload shown in full. */
    static final int LISTED_PROBLEMS = 20;

    private final DatasetService datasets;
    private final Actor actor;

    final TextField name = new TextField("Dataset name");
    final Select<String> format = new Select<>();
    final Upload upload = new Upload();
    final Checkbox keepValidRows = new Checkbox("Keep only the valid rows");
    /** The report of the last upload refused for invalid rows; hidden when there is none. */
    final VerticalLayout uploadReport = new VerticalLayout();
    final TextField importFolder = new TextField("LLaMA-Factory data folder on the server");
    final Button importButton = new Button("Import dataset_info.json");
    final Grid<DatasetSummary> grid = new Grid<>(DatasetSummary.class, false);
    final DatasetDetails details;

    public DatasetsView(DatasetService datasets, DatasetPreviewService previews, CurrentActor currentActor) {
        this.datasets = datasets;
        this.actor = currentActor.get();
        this.details = new DatasetDetails(datasets, previews, actor, this::refresh);
        setSizeFull();
        add(new SectionHeader("Datasets", "Upload, validate and preview training data as a model trains on it."),
                uploadBar(), uploadReport, importBar(), configureGrid(), details);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        refresh();
    }

    private HorizontalLayout uploadBar() {
        name.setPlaceholder("e.g. support-chats");
        name.setHelperText("A new name creates a dataset; an existing name adds a version.");
        format.setLabel("Format");
        format.setItems(formatChoices());
        format.setValue(AUTO_DETECT);
        format.setHelperText("Alpaca, ShareGPT, OpenAI messages, preference pairs, plain text, classification.");
        upload.setAcceptedFileTypes(".json", ".jsonl");
        upload.setMaxFiles(1);
        upload.setDropAllowed(true);
        configureSizeLimit();
        upload.setUploadHandler(this::receive);
        upload.setId("dataset-upload");
        keepValidRows.setHelperText("Otherwise a file with an invalid row is refused whole and nothing is stored.");
        keepValidRows.setId("keep-valid-rows");
        uploadReport.setId("upload-report");
        uploadReport.setPadding(false);
        uploadReport.setSpacing(false);
        uploadReport.setVisible(false);
        grid.setId("datasets");
        HorizontalLayout bar = new HorizontalLayout(name, format, keepValidRows, upload);
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        bar.setWidthFull();
        return bar;
    }

    /**
     * The browser refuses files over {@code tuneforge.datasets.max-upload-bytes} before sending them (the server
     * checks again while streaming). The component takes an int, so the browser checks at most 2 GiB - 1 byte;
     * above 2 GiB only the server checks.
     */
    private void configureSizeLimit() {
        long limit = datasets.maxUploadBytes();
        if (limit <= Integer.MAX_VALUE + 1L) {
            upload.setMaxFileSize((int) Math.min(limit, Integer.MAX_VALUE));
        }
        upload.addFileRejectedListener(rejected -> Notifications.error(rejected.getFileName() + " was refused: "
                + rejected.getErrorMessage() + ". The upload limit is " + Sizes.bytes(limit)
                + " (tuneforge.datasets.max-upload-bytes)."));
        name.setHelperText(name.getHelperText() + " Files up to " + Sizes.bytes(limit) + ".");
    }

    private HorizontalLayout importBar() {
        importFolder.setPlaceholder("/data/LLaMA-Factory/data");
        importFolder.setWidth("28em");
        importFolder.setHelperText("Every local entry becomes a dataset named after its key.");
        importButton.addClickListener(click -> importFolder());
        HorizontalLayout bar = new HorizontalLayout(importFolder, importButton);
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        return bar;
    }

    private Grid<DatasetSummary> configureGrid() {
        grid.addColumn(DatasetSummary::name).setHeader("Name").setSortable(true).setAutoWidth(true);
        grid.addColumn(s -> "v" + s.latestVersion()).setHeader("Version").setAutoWidth(true);
        grid.addColumn(s -> s.format().name().toLowerCase()).setHeader("Format").setAutoWidth(true);
        grid.addComponentColumn(s -> DatasetDetails.statusBadge(s.status())).setHeader("Status").setAutoWidth(true);
        grid.addColumn(DatasetSummary::rows).setHeader("Rows").setAutoWidth(true);
        grid.addColumn(DatasetSummary::team).setHeader("Team").setAutoWidth(true);
        grid.addColumn(s -> s.createdAt().toString().substring(0, 16).replace('T', ' ')).setHeader("Uploaded (UTC)");
        grid.setHeight("16em");
        grid.asSingleSelect().addValueChangeListener(event -> details.show(
                Optional.ofNullable(event.getValue()).map(DatasetSummary::versionId)));
        return grid;
    }

    /** Streams the upload straight into the dataset store (runs on the request thread, not the UI thread). */
    private void receive(UploadEvent event) {
        String datasetName = name.getValue().isBlank() ? baseName(event.getFileName()) : name.getValue();
        Optional<DatasetFormat> chosen = AUTO_DETECT.equals(format.getValue()) ? Optional.empty()
                : Optional.of(DatasetFormat.valueOf(format.getValue()));
        boolean dropInvalid = keepValidRows.getValue();
        try (InputStream in = event.getInputStream()) {
            VersionDetails stored = datasets.upload(actor, datasetName, event.getFileName(), in, chosen, dropInvalid);
            event.getUI().access(() -> uploaded(stored));
        } catch (DatasetRejectedException e) {
            event.getUI().access(() -> rejected(e));
            event.reject(e.getMessage());
        } catch (DatasetException | AccessRefusedException e) {
            event.getUI().access(() -> Notifications.error(e.getMessage()));
            event.reject(e.getMessage());
        } catch (java.io.IOException e) {
            event.getUI().access(() -> Notifications.error("Upload interrupted: " + e.getMessage()));
            event.reject("Upload interrupted");
        }
    }

    /** Called after an upload refused for invalid rows (on the UI thread): shows its report; nothing was stored. */
    void rejected(DatasetRejectedException e) {
        Notifications.error(e.getMessage());
        ValidationSummary report = e.report();
        uploadReport.removeAll();
        uploadReport.add(title(e.fileName() + " was not stored: " + report.problemCount() + " problem"
                + (report.problemCount() == 1 ? "" : "s") + " in " + report.rows() + " rows"));
        if (!report.countsByKind().isEmpty()) {
            StringBuilder counts = new StringBuilder("By kind: ");
            report.countsByKind().forEach((kind, count) -> counts.append(kind).append(' ').append(count).append(", "));
            uploadReport.add(muted(counts.substring(0, counts.length() - 2)));
        }
        report.problems().stream().limit(LISTED_PROBLEMS).forEach(p -> uploadReport.add(new Span(e.fileName()
                + (p.row() > 0 ? ", row " + p.row() : "") + (p.field().isEmpty() ? "" : ", " + p.field()) + ": "
                + p.reason())));
        if (report.problems().size() > LISTED_PROBLEMS) {
            uploadReport.add(muted("... and " + (report.problems().size() - LISTED_PROBLEMS) + " more listed"));
        }
        uploadReport.add(muted("Fix the file and upload it again, or tick \"" + keepValidRows.getLabel()
                + "\" to store only the valid rows."));
        uploadReport.setVisible(true);
        upload.clearFileList();
    }

    /** Called after a successful upload (on the UI thread). */
    void uploaded(VersionDetails stored) {
        uploadReport.removeAll();
        uploadReport.setVisible(false);
        int dropped = stored.report().dropped();
        Notifications.success(stored.datasetName() + " v" + stored.version() + " stored: " + stored.report().rows()
                + " rows" + (dropped > 0 ? ", " + dropped + " invalid rows dropped" : "") + ", "
                + stored.report().problemCount() + " problems");
        refresh();
        datasets.list(actor).stream().filter(s -> s.versionId() == stored.id()).findFirst().ifPresent(grid::select);
        upload.clearFileList();
    }

    private void importFolder() {
        try {
            ImportResult result = datasets.importLlamaFactoryFolder(actor, importFolder.getValue());
            refresh();
            StringBuilder message = new StringBuilder("Imported " + result.imported().size() + " datasets");
            if (!result.skipped().isEmpty()) {
                message.append("; skipped ");
                result.skipped().forEach(s -> message.append(s.name()).append(" (").append(s.reason()).append("), "));
            }
            Notifications.success(message.toString());
        } catch (DatasetException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    void refresh() {
        grid.setItems(datasets.list(actor));
    }

    static String[] formatChoices() {
        String[] choices = new String[DatasetFormat.values().length + 1];
        choices[0] = AUTO_DETECT;
        for (int i = 0; i < DatasetFormat.values().length; i++) {
            choices[i + 1] = DatasetFormat.values()[i].name();
        }
        return choices;
    }

    private static String baseName(String fileName) {
        String base = fileName == null ? "dataset" : fileName;
        int dot = base.lastIndexOf('.');
        return dot > 0 ? base.substring(0, dot) : base;
    }

    static H3 title(String text) {
        return new H3(text);
    }

    static Span muted(String text) {
        Span span = new Span(text);
        span.getStyle().set("color", "var(--lumo-secondary-text-color)");
        return span;
    }
}
