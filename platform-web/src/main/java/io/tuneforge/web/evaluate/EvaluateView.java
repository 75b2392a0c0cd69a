package io.tuneforge.web.evaluate;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.streams.DownloadHandler;
import io.tuneforge.core.evaluation.EvaluationService.EvaluableJob;
import io.tuneforge.core.evaluation.EvaluationService.ItemToRate;
import io.tuneforge.core.evaluation.EvaluationService.Progress;
import io.tuneforge.core.evaluation.EvaluationService.SessionSummary;
import io.tuneforge.core.evaluation.EvaluationService;
import io.tuneforge.core.evaluation.RatingSessionNotFoundException;
import io.tuneforge.core.evaluation.SessionStatus;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.shared.evaluation.EvaluationException;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Blind A/B rating of base and tuned answers: pick a succeeded job with predictions and start a session (or continue
 * one), rate item after item without knowing which model wrote which answer, read the per-model results and download
 * the unblinded ratings as CSV. Any signed-in user may open it; the service shows only the team's jobs and sessions
 * (all for administrators) and refuses ratings from viewers.
 */
@Route("evaluate")
@PageTitle("Evaluate · TuneForge")
@Menu(title = "Evaluate", order = 6, icon = "vaadin:scale")
@PermitAll
public class EvaluateView extends VerticalLayout {

    private final EvaluationService evaluation;
    private final Actor actor;

    final ComboBox<EvaluableJob> job = new ComboBox<>("Succeeded job with predictions");
    final TextField sessionName = new TextField("Session name");
    final Button start = new Button("Start session");
    final ComboBox<SessionSummary> session = new ComboBox<>("Or continue a session");
    final VerticalLayout ratingPanel = new VerticalLayout();
    final H3 sessionTitle = new H3();
    final RatingForm form = new RatingForm();
    final Button previous = new Button("Previous");
    final Button save = new Button("Save & next");
    final Button close = new Button("Close session");
    final Paragraph done = new Paragraph();
    final ResultsPanel results = new ResultsPanel();
    final Details resultsDetails = new Details("Results (unblinded: open after rating to avoid bias)", results);

    final Button exportPreferences = new Button("Export ratings as preference dataset");
    final Paragraph exportResult = new Paragraph();
    final Button train = new Button("Train with these ratings");

    private SessionSummary current;
    /** The last export of the open session, which "Train with these ratings" trains on. */
    private EvaluationService.PreferenceExport exported;
    private ItemToRate shown;

    public EvaluateView(EvaluationService evaluation, CurrentActor currentActor) {
        this.evaluation = evaluation;
        this.actor = currentActor.get();
        add(new SectionHeader("Evaluate", "Blind A/B rating of base and tuned answers."), chooser(), ratingPanel());
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        job.setItems(evaluation.evaluableJobs(actor));
        session.setItems(evaluation.sessions(actor));
    }

    private HorizontalLayout chooser() {
        job.setId("evaluate-job");
        job.setItemLabelGenerator(j -> "#" + j.jobId() + " " + j.name() + " (" + j.baseModel() + ")");
        job.setWidth("28em");
        sessionName.setId("evaluate-session-name");
        sessionName.setPlaceholder("Blind A/B of <job name>");
        sessionName.setMaxLength(EvaluationService.MAX_NAME_LENGTH);
        start.setId("evaluate-start");
        start.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        start.addClickListener(click -> startSession());
        start.setEnabled(actor.role() != Role.VIEWER);
        session.setId("evaluate-session");
        session.setItemLabelGenerator(s -> s.name() + " · " + s.myProgress().rated() + "/" + s.myProgress().total()
                + (s.status() == SessionStatus.CLOSED ? " · closed" : ""));
        session.setWidth("28em");
        session.addValueChangeListener(change -> {
            if (change.isFromClient() && change.getValue() != null) {
                open(change.getValue());
            }
        });
        HorizontalLayout bar = new HorizontalLayout(job, sessionName, start, session);
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        bar.setWrap(true);
        return bar;
    }

    private VerticalLayout ratingPanel() {
        ratingPanel.setId("evaluate-rating");
        ratingPanel.setPadding(false);
        ratingPanel.setVisible(false);
        previous.setId("evaluate-previous");
        previous.addClickListener(click -> showPrevious());
        save.setId("evaluate-save");
        save.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        save.addClickListener(click -> saveAndNext());
        close.setId("evaluate-close");
        close.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
        close.addClickListener(click -> closeSession());
        done.setId("evaluate-done");
        resultsDetails.setId("evaluate-results-panel");
        resultsDetails.setWidthFull();
        exportPreferences.setId("evaluate-export-preferences");
        exportPreferences.addClickListener(click -> exportPreferences());
        exportResult.setId("evaluate-export-result");
        train.setId("evaluate-train");
        train.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        train.addClickListener(click -> trainWithRatings());
        HorizontalLayout exportRow = new HorizontalLayout(exportPreferences, train);
        exportRow.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        ratingPanel.add(sessionTitle, form, new HorizontalLayout(previous, save, close), done, resultsDetails,
                new H3("Ratings train the next model"), new Paragraph("Export the ratings as preference pairs (the "
                        + "preferred answer chosen, the other rejected, ties left out) and train the tuned model "
                        + "further on them with DPO."), exportRow, exportResult);
        return ratingPanel;
    }

    void startSession() {
        if (job.getValue() == null) {
            Notifications.error("Choose a succeeded job first");
            return;
        }
        try {
            SessionSummary created = evaluation.start(actor, job.getValue().jobId(), sessionName.getValue());
            refreshSessions(created.id());
            open(created);
            Notifications.success("Session \"" + created.name() + "\" started with " + created.myProgress().total()
                    + " items");
        } catch (EvaluationException | JobNotFoundException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    void open(SessionSummary chosen) {
        current = chosen;
        exported = null;
        exportResult.setText("");
        train.setEnabled(false);
        exportPreferences.setEnabled(actor.role() != Role.VIEWER);
        sessionTitle.setText(chosen.name() + " (job #" + chosen.jobId() + " " + chosen.jobName() + ")"
                + (chosen.status() == SessionStatus.CLOSED ? " · closed" : ""));
        close.setEnabled(actor.role() != Role.VIEWER && chosen.status() == SessionStatus.OPEN);
        ratingPanel.setVisible(true);
        showNext();
        showResults();
    }

    private void showNext() {
        Optional<ItemToRate> next = evaluation.nextItem(actor, current.id());
        Progress progress = evaluation.progress(actor, current.id());
        next.ifPresentOrElse(item -> show(item, progress), () -> showDone(progress));
    }

    private void show(ItemToRate item, Progress progress) {
        shown = item;
        form.show(item, progress);
        form.setVisible(true);
        done.setVisible(false);
        boolean canRate = actor.role() != Role.VIEWER && current.status() == SessionStatus.OPEN;
        save.setEnabled(canRate);
        previous.setEnabled(item.position() > 0);
    }

    private void showDone(Progress progress) {
        form.showProgress(progress);
        form.setVisible(false);
        save.setEnabled(false);
        previous.setEnabled(progress.total() > 0);
        shown = null;
        done.setText("You have rated all " + progress.total() + " items. Open the results below, or go back to "
                + "change a rating.");
        done.setVisible(true);
    }

    void saveAndNext() {
        try {
            evaluation.rate(actor, shown.itemId(), form.input());
        } catch (EvaluationException | RatingSessionNotFoundException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
            return;
        }
        refreshSessions(current.id());
        showNext();
        showResults();
    }

    void closeSession() {
        try {
            open(evaluation.close(actor, current.id()));
            refreshSessions(current.id());
            Notifications.success("Session \"" + current.name() + "\" closed: its ratings are final");
        } catch (RatingSessionNotFoundException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    /**
     * Stores the session's ratings as a preference dataset version (DD030) and says what it holds; "Train with these
     * ratings" then opens New job on it.
     */
    void exportPreferences() {
        try {
            exported = evaluation.exportPreferences(actor, current.id());
        } catch (EvaluationException | RatingSessionNotFoundException | AccessRefusedException
                | io.tuneforge.shared.dataset.DatasetException e) {
            exported = null;
            train.setEnabled(false);
            exportResult.setText(e.getMessage());
            Notifications.error(e.getMessage());
            return;
        }
        exportResult.setText("Stored " + exported.pairs() + " preference " + (exported.pairs() == 1 ? "pair" : "pairs")
                + " as dataset \"" + exported.version().datasetName() + "\" v" + exported.version().version()
                + " (left out: " + exported.leftOut() + "), linked to this session.");
        train.setEnabled(true);
    }

    /**
     * New job with stage dpo on the exported pairs, continuing the adapter of the job whose answers were rated, with
     * template {@code empty}: the prompts are stored as rated, the chat template already applied (DD030).
     */
    void trainWithRatings() {
        if (exported != null) {
            getUI().ifPresent(ui -> ui.navigate("jobs/new", com.vaadin.flow.router.QueryParameters.simple(
                    java.util.Map.of("stage", "dpo", "dataset", Long.toString(exported.version().id()),
                            "adapter_from_job", Long.toString(exported.jobId()), "template", "empty"))));
        }
    }

    /** Reloads the session list (its labels show progress) and keeps {@code sessionId} chosen. */
    private void refreshSessions(long sessionId) {
        List<SessionSummary> all = evaluation.sessions(actor);
        session.setItems(all);
        all.stream().filter(s -> s.id() == sessionId).findFirst().ifPresent(session::setValue);
    }

    void showPrevious() {
        int position = shown == null ? evaluation.progress(actor, current.id()).total() - 1 : shown.position() - 1;
        if (position >= 0) {
            show(evaluation.item(actor, current.id(), position), evaluation.progress(actor, current.id()));
        }
    }

    private void showResults() {
        long sessionId = current.id();
        results.show(evaluation.results(actor, sessionId), csvDownload(sessionId));
    }

    /** Streams the session's unblinded ratings as UTF-8 CSV, written straight to the response. */
    private DownloadHandler csvDownload(long sessionId) {
        String fileName = evaluation.exportFileName(actor, sessionId);
        return event -> {
            event.setFileName(fileName);
            event.setContentType("text/csv; charset=utf-8");
            try (Writer out = new OutputStreamWriter(event.getOutputStream(), StandardCharsets.UTF_8)) {
                evaluation.exportCsv(actor, sessionId, out);
            }
        };
    }
}
