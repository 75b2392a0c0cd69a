package io.tuneforge.web.model;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.UIDetachedException;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.component.textfield.TextField;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.model.HubDownload;
import io.tuneforge.core.model.HubImportRequest;
import io.tuneforge.core.model.HubImportService;
import io.tuneforge.core.model.HubProgress;
import io.tuneforge.core.model.HubStatus;
import io.tuneforge.core.model.ModelException;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.Sizes;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * "Import from Hugging Face": repository id and revision, a progress bar pushed from the download thread, cancel.
 * Disabled, with the reason, when this server cannot reach the Hub.
 */
class HubImportForm extends Composite<VerticalLayout> {

    private final HubImportService hub;
    private final Actor actor;
    private final Consumer<BaseModelSummary> imported;

    final TextField repoId = new TextField("Hugging Face repository");
    final TextField revision = new TextField("Revision");
    final TextField name = new TextField("Register as");
    final Button importButton = new Button("Import from Hugging Face");
    final Button cancel = new Button("Cancel");
    final ProgressBar progress = new ProgressBar(0, 1);
    final Span progressText = new Span();
    final Paragraph explanation = new Paragraph();
    /** The Hub check started on attach (read by tests to wait for it). */
    CompletableFuture<HubStatus> statusCheck = CompletableFuture.completedFuture(null);
    private HubDownload download;

    /** @param imported told (on the UI thread) about each model the import registered */
    HubImportForm(HubImportService hub, Actor actor, Consumer<BaseModelSummary> imported) {
        this.hub = hub;
        this.actor = actor;
        this.imported = imported;
        repoId.setPlaceholder("e.g. Qwen/Qwen3-0.6B");
        repoId.setWidth("20em");
        revision.setValue("main");
        revision.setWidth("8em");
        name.setPlaceholder("the repository id");
        importButton.addClickListener(click -> startImport());
        cancel.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_TERTIARY);
        cancel.addClickListener(click -> cancelImport());
        repoId.setId("hub-repo");
        revision.setId("hub-revision");
        importButton.setId("hub-import");
        HorizontalLayout row = new HorizontalLayout(repoId, revision, name, importButton, cancel);
        row.setWrap(true); // fits narrow windows (1280×720) by wrapping
        row.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        explanation.getStyle().set("color", "var(--lumo-secondary-text-color)").set("margin", "0");
        HorizontalLayout bar = new HorizontalLayout(progress, progressText);
        bar.setWidthFull();
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
        progress.setWidth("24em");
        getContent().setPadding(false);
        getContent().setSpacing(false);
        getContent().add(new H3("Import from Hugging Face"), row, bar, explanation);
        showIdle();
        explanation.setText("Checking whether this server can reach the Hugging Face Hub…");
        setFormEnabled(false);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        UI ui = attachEvent.getUI();
        statusCheck = CompletableFuture.supplyAsync(hub::status);
        statusCheck.thenAccept(status -> push(ui, () -> showStatus(status)));
    }

    private void showStatus(HubStatus status) {
        if (download != null) {
            return;
        }
        setFormEnabled(status.reachable());
        explanation.setText(status.reachable()
                ? "Downloads config, tokenizer and *.safetensors weights from " + status.endpoint()
                        + " into the platform's models folder and registers them as a model of your team."
                : "Import is off: " + status.reason() + ". Copy a model folder under an allowed folder and register "
                        + "it above instead.");
    }

    private void startImport() {
        UI ui = UI.getCurrent();
        try {
            HubImportRequest request = new HubImportRequest(repoId.getValue(), revision.getValue(), name.getValue());
            download = hub.start(actor, request, p -> push(ui, () -> showProgress(p)));
            showRunning(request);
            download.result().whenComplete((model, error) -> push(ui, () -> finished(model, error)));
        } catch (ModelException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    private void cancelImport() {
        if (download != null && !download.cancel()) {
            Notifications.error("Too late to cancel: the model is being registered");
        }
    }

    private void showProgress(HubProgress p) {
        progress.setValue(p.fraction());
        progressText.setText(String.format("%d %% · %s of %s · file %d of %d%s", Math.round(p.fraction() * 100),
                Sizes.bytes(p.bytesDone()), Sizes.bytes(p.bytesTotal()), Math.min(p.filesDone() + 1, p.filesTotal()),
                p.filesTotal(), p.file().isEmpty() ? "" : " · " + p.file()));
    }

    private void finished(BaseModelSummary model, Throwable error) {
        download = null;
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause == null) {
            progress.setValue(1);
            progressText.setText("100 % · registered " + model.name());
            Notifications.success("Imported " + model.name() + ": " + model.architecture() + ", "
                    + ModelsView.parameters(model.parameterCount()) + " parameters");
            repoId.clear();
            name.clear();
            imported.accept(model);
        } else {
            progressText.setText(cause instanceof CancellationException ? "Cancelled; nothing was kept" : cause.getMessage());
            progress.setVisible(false);
            if (!(cause instanceof CancellationException)) {
                Notifications.error(cause.getMessage());
            }
        }
        setFormEnabled(true);
        cancel.setVisible(false);
    }

    private void showRunning(HubImportRequest request) {
        setFormEnabled(false);
        cancel.setVisible(true);
        progress.setVisible(true);
        progress.setValue(0);
        progressText.setText("Listing the files of " + request.repoId() + "…");
    }

    private void showIdle() {
        cancel.setVisible(false);
        progress.setVisible(false);
        progressText.setText("");
    }

    private void setFormEnabled(boolean enabled) {
        boolean writer = enabled && actor.role() != Role.VIEWER;
        repoId.setEnabled(writer);
        revision.setEnabled(writer);
        name.setEnabled(writer);
        importButton.setEnabled(writer);
    }

    /** Runs {@code change} on the UI through server push; a closed page just misses it (the import goes on). */
    private static void push(UI ui, Runnable change) {
        try {
            ui.access(change::run);
        } catch (UIDetachedException closed) {
            // the user left the page; the download and registration continue on the server
        }
    }
}
