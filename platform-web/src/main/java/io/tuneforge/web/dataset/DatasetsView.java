package io.tuneforge.web.dataset;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.component.upload.Upload;
import com.vaadin.flow.component.upload.UploadI18N;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.streams.UploadEvent;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFileTypes;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.core.dataset.DatasetRejectedException;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetSummary;
import io.tuneforge.core.dataset.ImportResult;
import io.tuneforge.core.dataset.UndetectedFormatException;
import io.tuneforge.core.dataset.UploadTarget;
import io.tuneforge.core.dataset.ValidationSummary;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.data.preview.DatasetPreviewService;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.Plural;
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
    /** The upload target choice for a new dataset. */
    static final String NEW_DATASET = "New dataset";
    /** The upload target choice for a new version of an existing dataset. */
    static final String NEW_VERSION = "New version of";
    /** The browser's refusal of a file by its type (Vaadin's i18n; the listener adds the accepted types). */
    static final String WRONG_TYPE = "Not a dataset file type";
    /** The browser's refusal of a file by its size. */
    static final String TOO_BIG = "Larger than the upload limit";

    private final DatasetService datasets;
    private final Actor actor;

    /** Whether the upload makes a new dataset or a new version of an existing one: asked, never assumed. */
    final RadioButtonGroup<String> target = new RadioButtonGroup<>("Upload as");
    final TextField name = new TextField("New dataset name");
    final ComboBox<DatasetSummary> existing = new ComboBox<>("Dataset");
    /** LLaMA-Factory's columns (and tags) as JSON; empty for the format's own field names. */
    final TextField columns = new TextField("Column mapping");
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
        // grows with its content and the page scrolls: a full-height layout shrank the grid to one row when the
        // details below it were open
        setWidthFull();
        add(new SectionHeader("Datasets", "Upload, validate and preview training data as a model trains on it."),
                uploadBar(), mappingBar(), uploadReport, importBar(), configureGrid(), details);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        refresh();
    }

    private HorizontalLayout uploadBar() {
        target.setItems(NEW_DATASET, NEW_VERSION);
        target.setValue(NEW_DATASET);
        target.setId("upload-target");
        target.addValueChangeListener(e -> showTarget());
        name.setId("dataset-name");
        name.setPlaceholder("e.g. support-chats");
        name.setHelperText("Empty: the file's name. A name in use is refused: pick \"" + NEW_VERSION + "\".");
        existing.setId("dataset-existing");
        existing.setItemLabelGenerator(DatasetSummary::name);
        existing.setPlaceholder("Pick a dataset");
        existing.setHelperText("The file becomes its next version.");
        format.setLabel("Format");
        format.setItems(formatChoices());
        format.setValue(AUTO_DETECT);
        format.setHelperText("Alpaca, ShareGPT, OpenAI messages, preference pairs, plain text, classification.");
        upload.setAcceptedFileTypes(DatasetFileTypes.READABLE.toArray(String[]::new));
        upload.setMaxFiles(1);
        upload.setDropAllowed(true);
        upload.setI18n(i18n());
        keepValidRows.setHelperText("Otherwise a file with an invalid row is refused whole and nothing is stored.");
        configureSizeLimit();
        upload.setUploadHandler(this::receive);
        upload.setId("dataset-upload");
        keepValidRows.setId("keep-valid-rows");
        uploadReport.setId("upload-report");
        uploadReport.setPadding(false);
        uploadReport.setSpacing(false);
        uploadReport.setVisible(false);
        grid.setId("datasets");
        showTarget();
        HorizontalLayout bar = new HorizontalLayout(target, name, existing, format, keepValidRows, upload);
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        bar.setWidthFull();
        bar.setWrap(true);
        return bar;
    }

    private HorizontalLayout mappingBar() {
        columns.setId("column-mapping");
        columns.setWidth("36em");
        columns.setClearButtonVisible(true);
        columns.setPlaceholder("{\"prompt\": \"question\", \"response\": \"answer\"}");
        columns.setHelperText("Optional, as in LLaMA-Factory's dataset_info.json: prompt, query, response, history, "
                + "messages, system, tools, chosen, rejected, kto_tag (text, label for classification); ShareGPT tags "
                + "as {\"columns\": {...}, \"tags\": {...}}. Stored with the version; training reads the rows through it.");
        HorizontalLayout bar = new HorizontalLayout(columns);
        bar.setWrap(true); // fits narrow windows (1280×720) by wrapping
        bar.setWidthFull();
        return bar;
    }

    /** Shows the name field for a new dataset, the list of the team's datasets for a new version. */
    private void showTarget() {
        boolean newDataset = NEW_DATASET.equals(target.getValue());
        name.setVisible(newDataset);
        existing.setVisible(!newDataset);
    }

    /** Vaadin Upload's texts: its defaults end in a period that our messages would double ("Incorrect File Type.."). */
    private static UploadI18N i18n() {
        UploadI18N i18n = new UploadI18N();
        i18n.setDropFiles(new UploadI18N.DropFiles().setOne("Drop a dataset file here").setMany("Drop files here"));
        i18n.setAddFiles(new UploadI18N.AddFiles().setOne("Upload file...").setMany("Upload files..."));
        i18n.setError(new UploadI18N.Error().setTooManyFiles("One file at a time").setFileIsTooBig(TOO_BIG)
                .setIncorrectFileType(WRONG_TYPE));
        i18n.setUploading(new UploadI18N.Uploading()
                .setStatus(new UploadI18N.Uploading.Status().setConnecting("Connecting").setStalled("Stalled")
                        .setProcessing("Checking the file").setHeld("Queued"))
                .setRemainingTime(new UploadI18N.Uploading.RemainingTime().setPrefix("remaining time: ")
                        .setUnknown("unknown remaining time"))
                .setError(new UploadI18N.Uploading.Error().setServerUnavailable("The server did not answer")
                        .setUnexpectedServerError("Not stored").setForbidden("Not stored")));
        i18n.setUnits(new UploadI18N.Units().setSize(java.util.List.of("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB",
                "YB")));
        return i18n;
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
        upload.addFileRejectedListener(rejected -> Notifications.error(refusal(rejected.getFileName(),
                rejected.getErrorMessage(), limit)));
        keepValidRows.setHelperText(keepValidRows.getHelperText() + " " + DatasetFileTypes.describe() + ", up to "
                + Sizes.bytes(limit) + ".");
    }

    /** Why the browser refused a file, with what would be accepted. */
    static String refusal(String fileName, String error, long limit) {
        if (TOO_BIG.equals(error)) {
            return fileName + " was refused: it is larger than the upload limit of " + Sizes.bytes(limit)
                    + " (tuneforge.datasets.max-upload-bytes)";
        }
        if (WRONG_TYPE.equals(error)) {
            return fileName + " was refused: upload " + DatasetFileTypes.describe();
        }
        return fileName + " was refused: " + error;
    }

    private HorizontalLayout importBar() {
        importFolder.setPlaceholder("/data/LLaMA-Factory/data");
        importFolder.setWidth("28em");
        importFolder.setHelperText("Every local entry becomes a dataset named after its key.");
        importButton.addClickListener(click -> importFolder());
        HorizontalLayout bar = new HorizontalLayout(importFolder, importButton);
        bar.setWrap(true); // fits narrow windows (1280×720) by wrapping
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
        grid.setMinHeight("12em");
        grid.getStyle().set("flex-shrink", "0"); // the details below must not squeeze the list to one row
        grid.asSingleSelect().addValueChangeListener(event -> details.show(
                Optional.ofNullable(event.getValue()).map(DatasetSummary::versionId)));
        return grid;
    }

    /** Streams the upload straight into the dataset store (runs on the request thread, not the UI thread). */
    private void receive(UploadEvent event) {
        Optional<DatasetFormat> chosen = AUTO_DETECT.equals(format.getValue()) ? Optional.empty()
                : Optional.of(DatasetFormat.valueOf(format.getValue()));
        boolean dropInvalid = keepValidRows.getValue();
        try (InputStream in = event.getInputStream()) {
            UploadTarget where = uploadTarget(event.getFileName());
            ColumnMapping mapping = ColumnMapping.parse(columns.getValue());
            VersionDetails stored = datasets.upload(actor, where, event.getFileName(), in, chosen, mapping,
                    dropInvalid);
            event.getUI().access(() -> uploaded(stored));
        } catch (DatasetRejectedException e) {
            event.getUI().access(() -> rejected(e));
            event.reject(e.getMessage());
        } catch (UndetectedFormatException e) {
            event.getUI().access(() -> undetected(e));
            event.reject(e.getMessage());
        } catch (DatasetException | AccessRefusedException e) {
            event.getUI().access(() -> Notifications.error(e.getMessage()));
            event.reject(e.getMessage());
        } catch (java.io.IOException e) {
            event.getUI().access(() -> Notifications.error("Upload interrupted: " + e.getMessage()));
            event.reject("Upload interrupted");
        }
    }

    /** The dataset the user chose: a new one (typed name, else the file's name) or a picked existing one. */
    UploadTarget uploadTarget(String fileName) {
        if (NEW_VERSION.equals(target.getValue())) {
            DatasetSummary picked = existing.getValue();
            if (picked == null) {
                throw new DatasetException("Pick the dataset the file is a new version of, or choose \""
                        + NEW_DATASET + "\"");
            }
            return UploadTarget.existing(picked.id());
        }
        return UploadTarget.newDataset(name.getValue().isBlank() ? baseName(fileName) : name.getValue());
    }

    /** Called after an upload whose format could not be told (on the UI thread): offers the mapping that fits. */
    void undetected(UndetectedFormatException e) {
        Notifications.error(e.getMessage());
        uploadReport.removeAll();
        e.suggestedMapping().ifPresent(this::suggest);
        uploadReport.setVisible(e.suggestedMapping().isPresent());
        upload.clearFileList();
    }

    /** Fills in a suggested column mapping and says so in the report. */
    private void suggest(ColumnMapping mapping) {
        columns.setValue(mapping.toColumnsJson());
        uploadReport.add(muted("Suggested column mapping filled in (" + mapping.describe()
                + "): upload the file again to read it that way."));
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
        e.suggestedMapping().ifPresent(this::suggest);
        uploadReport.setVisible(true);
        upload.clearFileList();
    }

    /** Called after a successful upload (on the UI thread). */
    void uploaded(VersionDetails stored) {
        uploadReport.removeAll();
        uploadReport.setVisible(false);
        int dropped = stored.report().dropped();
        Notifications.success(stored.datasetName() + " v" + stored.version() + " stored: "
                + Plural.of(stored.report().rows(), "row")
                + (dropped > 0 ? ", " + Plural.of(dropped, "invalid row") + " dropped" : "") + ", "
                + Plural.of(stored.report().problemCount(), "problem")
                + (stored.mapping().isEmpty() ? "" : ", columns " + stored.mapping().describe()));
        name.clear(); // the next upload asks again: a name is never reused silently
        existing.clear();
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
        existing.setItems(datasets.listOwnTeam(actor));
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
