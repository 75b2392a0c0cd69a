package io.tuneforge.web.model;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextArea;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.job.ModelDimensions;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.model.HubImportService;
import io.tuneforge.core.model.ModelException;
import io.tuneforge.core.model.TunedModelService;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.util.stream.Collectors;

/**
 * Base models (registered from server folders or imported from the Hugging Face Hub) with what their config says,
 * and fine-tuned results with their lineage and versions.
 */
@Route("models")
@PageTitle("Models · TuneForge")
@Menu(title = "Models", order = 2, icon = "vaadin:cube")
@PermitAll
public class ModelsView extends VerticalLayout {

    private final BaseModelService models;
    private final Actor actor;

    final TextField name = new TextField("Name");
    final TextField path = new TextField("Folder on the server");
    final Checkbox shared = new Checkbox("Share with every team");
    final Button register = new Button("Register");
    final Grid<BaseModelSummary> grid = new Grid<>(BaseModelSummary.class, false);
    final TextArea chatTemplate = new TextArea("Chat template");
    final H3 selected = new H3();
    final HubImportForm hubImport;
    final TunedModelsPanel tuned;

    public ModelsView(BaseModelService models, HubImportService hub, TunedModelService tunedModels,
            CurrentActor currentActor) {
        this.models = models;
        this.actor = currentActor.get();
        this.hubImport = new HubImportForm(hub, actor, this::imported);
        this.tuned = new TunedModelsPanel(tunedModels, actor);
        add(new SectionHeader("Models", "Base models, fine-tuned results and their lineage."),
                registerForm(), hubImport, configureGrid(), details(), tuned);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        refresh();
        tuned.refresh();
    }

    void imported(BaseModelSummary model) {
        refresh();
        grid.select(model);
    }

    private VerticalLayout registerForm() {
        name.setPlaceholder("e.g. qwen3-0.6b");
        path.setWidth("30em");
        String roots = models.allowedRoots().stream().map(Object::toString).collect(Collectors.joining(", "));
        path.setHelperText(roots.isEmpty() ? "No folders are allowed yet: an administrator sets tuneforge.models.allowed-roots"
                : "A Hugging Face model folder (config.json + *.safetensors) inside " + roots);
        shared.setVisible(actor.isAdmin());
        register.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        register.addClickListener(click -> register());
        name.setId("model-name");
        path.setId("model-path");
        register.setId("model-register");
        HorizontalLayout row = new HorizontalLayout(name, path, shared, register);
        row.setWrap(true); // fits narrow windows (1280×720) by wrapping
        row.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        VerticalLayout form = new VerticalLayout(new H3("Register a server folder"), row);
        form.setPadding(false);
        return form;
    }

    private Grid<BaseModelSummary> configureGrid() {
        grid.addColumn(BaseModelSummary::name).setHeader("Name").setAutoWidth(true).setSortable(true);
        grid.addColumn(BaseModelSummary::architecture).setHeader("Architecture").setAutoWidth(true);
        grid.addColumn(m -> parameters(m.parameterCount())).setHeader("Parameters").setAutoWidth(true);
        grid.addColumn(BaseModelSummary::dtype).setHeader("Dtype").setAutoWidth(true);
        grid.addColumn(m -> m.chatTemplate().isPresent() ? "yes" : "none").setHeader("Chat template").setAutoWidth(true);
        grid.addColumn(m -> m.team().orElse("all teams")).setHeader("Visible to").setAutoWidth(true);
        grid.addColumn(BaseModelSummary::path).setHeader("Path").setFlexGrow(1);
        grid.setHeight("14em");
        grid.asSingleSelect().addValueChangeListener(e -> show(e.getValue()));
        return grid;
    }

    private FormLayout details() {
        chatTemplate.setReadOnly(true);
        chatTemplate.setWidthFull();
        chatTemplate.setMaxHeight("16em");
        FormLayout details = new FormLayout(selected, chatTemplate);
        details.setColspan(chatTemplate, 2);
        details.setVisible(false);
        return details;
    }

    private void show(BaseModelSummary model) {
        chatTemplate.getParent().ifPresent(p -> p.setVisible(model != null));
        if (model != null) {
            selected.setText(model.name() + " · " + model.architecture() + " · " + parameters(model.parameterCount())
                    + " parameters · " + model.dtype() + experts(model.path()));
            chatTemplate.setValue(model.chatTemplate().orElse("(none of its own: template auto uses its family's, else default)"));
        }
    }

    /**
     * " · 8 experts, 2 per token, 12.9 B active parameters per token" for a mixture of experts (from its
     * config.json), empty for a dense model or a folder whose config cannot be read here.
     */
    private static String experts(String path) {
        try {
            ModelDimensions m = ModelDimensions.read(java.nio.file.Path.of(path));
            return m.experts().map(e -> " · " + e.count() + " experts, " + e.perToken() + " per token, "
                    + parameters(m.activeParameters()) + " active parameters per token").orElse("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private void register() {
        try {
            BaseModelSummary model = models.register(actor, name.getValue(), path.getValue(), shared.getValue());
            Notifications.success("Registered " + model.name() + ": " + model.architecture() + ", "
                    + parameters(model.parameterCount()) + " parameters");
            name.clear();
            path.clear();
            refresh();
            grid.select(model);
        } catch (ModelException | AccessRefusedException e) {
            Notifications.error(e.getMessage());
        }
    }

    void refresh() {
        grid.setItems(models.list(actor));
    }

    /** 1234567 → "1.2M". */
    static String parameters(long count) {
        if (count >= 1_000_000_000L) {
            return String.format("%.1fB", count / 1e9);
        }
        if (count >= 1_000_000L) {
            return String.format("%.1fM", count / 1e6);
        }
        if (count >= 1_000L) {
            return String.format("%.1fK", count / 1e3);
        }
        return Long.toString(count);
    }
}
