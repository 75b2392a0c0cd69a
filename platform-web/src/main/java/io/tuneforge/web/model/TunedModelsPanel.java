package io.tuneforge.web.model;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.model.ModelException;
import io.tuneforge.core.model.TunedModelService;
import io.tuneforge.core.model.TunedModelService.Promotion;
import io.tuneforge.core.model.TunedModelService.TunedResult;
import io.tuneforge.core.model.TunedModelService.TunedVersion;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.web.layout.Notifications;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Fine-tuned results as lineage rows (base model → job with its adapter → merged model), their versions per name,
 * and promotion / rollback with the promotion history.
 */
class TunedModelsPanel extends Composite<VerticalLayout> {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());

    private final TunedModelService tuned;
    private final Actor actor;

    final Grid<TunedResult> results = new Grid<>();
    final TextField versionName = new TextField("Version of model");
    final Button addVersion = new Button("Add as version");
    final Grid<TunedVersion> versions = new Grid<>();
    final Button promote = new Button("Promote");
    final Button rollback = new Button("Roll back promotion");
    final Grid<Promotion> history = new Grid<>();

    TunedModelsPanel(TunedModelService tuned, Actor actor) {
        this.tuned = tuned;
        this.actor = actor;
        getContent().setPadding(false);
        getContent().add(new H3("Fine-tuned results"), configureResults(), versionForm(),
                new H3("Fine-tuned models and versions"), configureVersions(), versionActions(), configureHistory());
    }

    private Grid<TunedResult> configureResults() {
        results.addColumn(TunedResult::baseModel).setHeader("Base model").setAutoWidth(true);
        results.addComponentColumn(r -> jobLink(r.jobId(), r.jobName())).setHeader("Job").setAutoWidth(true);
        results.addColumn(TunedResult::method).setHeader("Method").setAutoWidth(true);
        results.addColumn(TunedModelsPanel::lineage).setHeader("Lineage").setFlexGrow(1);
        results.addColumn(r -> r.version().orElse("")).setHeader("Version").setAutoWidth(true);
        results.addColumn(r -> r.finishedAt().map(WHEN::format).orElse("")).setHeader("Finished").setAutoWidth(true);
        if (actor.isAdmin()) {
            results.addColumn(TunedResult::team).setHeader("Team").setAutoWidth(true);
        }
        results.setHeight("14em");
        results.setId("tuned-results");
        results.asSingleSelect().addValueChangeListener(e -> {
            if (e.getValue() != null && versionName.isEmpty()) {
                versionName.setValue(e.getValue().jobName());
            }
            addVersion.setEnabled(canWrite() && e.getValue() != null && e.getValue().version().isEmpty());
        });
        return results;
    }

    private HorizontalLayout versionForm() {
        versionName.setPlaceholder("e.g. support-bot");
        versionName.setHelperText("Results added under one name become its versions v1, v2, …");
        addVersion.setEnabled(false);
        addVersion.addClickListener(click -> addVersion());
        versionName.setVisible(canWrite());
        addVersion.setVisible(canWrite());
        HorizontalLayout form = new HorizontalLayout(versionName, addVersion);
        form.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        return form;
    }

    private Grid<TunedVersion> configureVersions() {
        versions.addColumn(TunedVersion::name).setHeader("Model").setAutoWidth(true);
        versions.addColumn(v -> "v" + v.version()).setHeader("Version").setAutoWidth(true);
        versions.addColumn(v -> v.promoted() ? "promoted" : "").setHeader("Current").setAutoWidth(true);
        versions.addComponentColumn(v -> jobLink(v.jobId(), v.jobName())).setHeader("Job").setAutoWidth(true);
        versions.addColumn(TunedVersion::baseModel).setHeader("Base model").setAutoWidth(true);
        if (actor.isAdmin()) {
            versions.addColumn(TunedVersion::team).setHeader("Team").setAutoWidth(true);
        }
        versions.setHeight("12em");
        versions.asSingleSelect().addValueChangeListener(e -> selectVersion(e.getValue()));
        return versions;
    }

    private HorizontalLayout versionActions() {
        promote.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        promote.addClickListener(click -> promote());
        rollback.addClickListener(click -> rollback());
        promote.setEnabled(false);
        rollback.setEnabled(false);
        promote.setVisible(canWrite());
        rollback.setVisible(canWrite());
        return new HorizontalLayout(promote, rollback);
    }

    private Grid<Promotion> configureHistory() {
        history.addColumn(p -> "v" + p.version()).setHeader("Promoted version").setAutoWidth(true);
        history.addColumn(p -> WHEN.format(p.promotedAt()) + " by " + p.promotedBy()).setHeader("Promoted")
                .setAutoWidth(true);
        history.addColumn(p -> p.rolledBackAt().map(at -> WHEN.format(at) + " by " + p.rolledBackBy().orElse(""))
                .orElse("")).setHeader("Rolled back").setAutoWidth(true);
        history.setHeight("10em");
        history.setVisible(false);
        return history;
    }

    void refresh() {
        results.setItems(tuned.results(actor));
        TunedVersion selected = versions.asSingleSelect().getValue();
        List<TunedVersion> all = tuned.versions(actor);
        versions.setItems(all);
        if (selected != null) {
            all.stream().filter(v -> v.id() == selected.id()).findFirst().ifPresent(versions::select);
        }
    }

    private void selectVersion(TunedVersion version) {
        promote.setEnabled(canWrite() && version != null && !version.promoted());
        rollback.setEnabled(canWrite() && version != null);
        history.setVisible(version != null);
        history.setItems(version == null ? List.of() : tuned.history(actor, version.teamId(), version.name()));
    }

    private void addVersion() {
        TunedResult result = results.asSingleSelect().getValue();
        act(() -> {
            TunedVersion version = tuned.addVersion(actor, result.jobId(), versionName.getValue());
            Notifications.success("Added " + version.label() + " from job " + result.jobName());
            versionName.clear();
            return version;
        });
    }

    private void promote() {
        act(() -> {
            TunedVersion version = tuned.promote(actor, versions.asSingleSelect().getValue().id());
            Notifications.success("Promoted " + version.label());
            return version;
        });
    }

    private void rollback() {
        TunedVersion selected = versions.asSingleSelect().getValue();
        act(() -> {
            TunedVersion current = tuned.rollback(actor, selected.teamId(), selected.name());
            Notifications.success("Rolled back: " + current.label() + " is the promoted version again");
            return current;
        });
    }

    /** Runs a change, shows its error if it fails, and selects the version it returns. */
    private void act(java.util.function.Supplier<TunedVersion> change) {
        try {
            TunedVersion version = change.get();
            refresh();
            versions.getListDataView().getItems().filter(v -> v.id() == version.id()).findFirst()
                    .ifPresent(versions::select);
            selectVersion(versions.asSingleSelect().getValue());
        } catch (ModelException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    private boolean canWrite() {
        return actor.role() != Role.VIEWER;
    }

    private static Anchor jobLink(long jobId, String jobName) {
        return new Anchor("jobs/" + jobId, jobName + " #" + jobId);
    }

    /** e.g. "stories260K → sft #12 (adapter) → merged model → GGUF". */
    static String lineage(TunedResult result) {
        List<String> steps = new ArrayList<>();
        steps.add(result.baseModel());
        // the jobs whose adapters this one continued (DD030: base → sft job → dpo job), then this job
        result.chain().stream().filter(job -> job.jobId() != result.jobId())
                .forEach(job -> steps.add(job.name() + " #" + job.jobId() + " (" + job.stage() + ")"));
        String stage = result.chain().isEmpty() ? "" : result.chain().getLast().stage() + ", ";
        steps.add(result.jobName() + " #" + result.jobId()
                + (result.has(ArtifactKind.ADAPTER) ? " (" + stage + "adapter)" : " (" + stage + result.method() + ")"));
        if (result.has(ArtifactKind.MERGED)) {
            steps.add("merged model");
        }
        if (result.has(ArtifactKind.GGUF)) {
            steps.add("GGUF");
        }
        return String.join(" → ", steps);
    }
}
