package io.tuneforge.web.playground;

import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.KeyModifier;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextArea;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.Menu;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.job.TunedModel;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.playground.ConversationService;
import io.tuneforge.core.playground.ConversationSummary;
import io.tuneforge.core.user.Actor;
import io.tuneforge.trainer.playground.ChatSettings;
import io.tuneforge.trainer.playground.ModelChoice;
import io.tuneforge.trainer.playground.PlaygroundChoices;
import io.tuneforge.trainer.playground.PlaygroundService;
import io.tuneforge.trainer.playground.RunningChat;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.RolesAllowed;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Chat with a base model and a tuned model side by side: one prompt goes to both, and both answers stream in at once
 * through server push. The chat template and generation settings apply to both sides, so the answers differ only by
 * the tuning. A conversation can be saved (models, template, settings and both sides' turns) and reopened later to
 * continue it; saved conversations are the user's own.
 */
@Route("playground")
@PageTitle("Playground · TuneForge")
@Menu(title = "Playground", order = 5, icon = "vaadin:chat")
@RolesAllowed({"ADMIN", "MEMBER", "VIEWER"})
public class PlaygroundView extends VerticalLayout implements BeforeEnterObserver {

    /** Query parameter that preselects a job's tuned model: {@code playground?job=42}. */
    static final String JOB_PARAMETER = "job";

    /** Pushes per second for the whole view, both sides together. */
    static final int PUSHES_PER_SECOND = 4;

    private static final DateTimeFormatter SAVED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());

    private final PlaygroundService playground;
    private final ConversationService conversations;
    private final Actor actor;
    private final PushThrottle throttle = new PushThrottle(PUSHES_PER_SECOND);
    private final List<RunningChat> running = new ArrayList<>();
    private int answering;
    /** The saved conversation being continued, if any: Save replaces it. */
    private OptionalLong current = OptionalLong.empty();
    /** True while the saved list is refilled, so that selecting in it does not reopen anything. */
    private boolean listing;

    final Select<BaseModelSummary> base = new Select<>();
    final Select<TunedModel> tuned = new Select<>();
    final Select<String> template = new Select<>();
    final TextArea system = new TextArea("System prompt");
    final NumberField temperature = new NumberField("Temperature");
    final NumberField topP = new NumberField("Top-p");
    final IntegerField topK = new IntegerField("Top-k");
    final NumberField repetitionPenalty = new NumberField("Repetition penalty");
    final IntegerField maxNewTokens = new IntegerField("Max new tokens");
    final IntegerField seed = new IntegerField("Seed");
    final TextArea prompt = new TextArea();
    final Button send = new Button("Send");
    final Button stop = new Button("Stop");
    final Button clear = new Button("Clear conversation");
    final ChatPane basePane = new ChatPane("Base model", "playground-base");
    final ChatPane tunedPane = new ChatPane("Tuned model", "playground-tuned");
    final Select<ConversationSummary> saved = new Select<>();
    final Button save = new Button("Save conversation");
    final Button delete = new Button("Delete");

    public PlaygroundView(PlaygroundService playground, ConversationService conversations,
            CurrentActor currentActor) {
        this.playground = playground;
        this.conversations = conversations;
        this.actor = currentActor.get();
        setSizeFull();
        add(new SectionHeader("Playground", "Chat with a base model and a tuned model side by side."),
                modelPickers(), settingsPanel(), savedConversations(), promptBar(), panes());
        load(playground.choices(actor));
        listSaved();
    }

    /** {@code ?job=ID} picks that job's tuned model (and so its base), when the user may see it. */
    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        event.getLocation().getQueryParameters().getSingleParameter(JOB_PARAMETER)
                .flatMap(PlaygroundView::parseId)
                .flatMap(id -> tuned.getListDataView().getItems().filter(t -> t.jobId() == id).findFirst())
                .ifPresent(tuned::setValue);
    }

    private static Optional<Long> parseId(String text) {
        try {
            return Optional.of(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        stopAnswers();
    }

    private HorizontalLayout modelPickers() {
        base.setLabel("Base model");
        base.setId("playground-base");
        base.setItemLabelGenerator(BaseModelSummary::name);
        base.setWidth("20em");
        base.addValueChangeListener(e -> baseChanged(e.getValue()));
        tuned.setLabel("Tuned model");
        tuned.setId("playground-tuned");
        tuned.setEmptySelectionAllowed(true);
        tuned.setEmptySelectionCaption("None (base model only)");
        tuned.setItemLabelGenerator(PlaygroundView::tunedLabel);
        tuned.setWidth("26em");
        tuned.addValueChangeListener(e -> tunedChanged(e.getValue()));
        template.setLabel("Chat template");
        template.setId("playground-template");
        template.setItems(ChatTemplates.names());
        template.setItemLabelGenerator(name -> ChatTemplates.MODEL.equals(name) ? "auto (the model's own, else its family's)" : name);
        template.setValue(ChatTemplates.MODEL);
        template.setWidth("14em");
        HorizontalLayout row = new HorizontalLayout(base, tuned, template);
        row.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        row.setWrap(true);
        return row;
    }

    /** "#42 lily-lora (llama-3.2-1b, adapter)". */
    private static String tunedLabel(TunedModel model) {
        return model == null ? "None (base model only)" : "#" + model.jobId() + " " + model.jobName() + " ("
                + model.baseModelName() + ", " + model.kind().name().toLowerCase(Locale.ROOT) + ")";
    }

    private Details settingsPanel() {
        ChatSettings defaults = ChatSettings.defaults();
        system.setId("playground-system");
        system.setPlaceholder("Optional, e.g. You are a helpful assistant.");
        temperature.setId("playground-temperature");
        temperature.setValue(defaults.temperature());
        temperature.setMin(0);
        temperature.setStep(0.05);
        temperature.setHelperText("0 = greedy");
        topP.setId("playground-top-p");
        topP.setValue(defaults.topP());
        topP.setMin(0.01);
        topP.setMax(1);
        topP.setStep(0.05);
        topK.setId("playground-top-k");
        topK.setValue(defaults.topK());
        topK.setMin(0);
        topK.setHelperText("0 = off");
        repetitionPenalty.setId("playground-repetition-penalty");
        repetitionPenalty.setValue(defaults.repetitionPenalty());
        repetitionPenalty.setMin(0.01);
        repetitionPenalty.setStep(0.05);
        repetitionPenalty.setHelperText("1 = off");
        maxNewTokens.setId("playground-max-new-tokens");
        maxNewTokens.setValue(defaults.maxNewTokens());
        maxNewTokens.setMin(1);
        maxNewTokens.setMax(ChatSettings.MAX_NEW_TOKENS);
        seed.setId("playground-seed");
        seed.setHelperText("Blank = random; set it to repeat an answer");
        FormLayout form = new FormLayout(system, temperature, topP, topK, repetitionPenalty, maxNewTokens, seed);
        form.setColspan(system, 2);
        Details details = new Details("Generation settings", form);
        details.setId("playground-settings");
        return details;
    }

    private HorizontalLayout savedConversations() {
        saved.setLabel("Saved conversations");
        saved.setId("playground-saved");
        saved.setEmptySelectionAllowed(true);
        saved.setEmptySelectionCaption("New conversation");
        saved.setItemLabelGenerator(c -> c == null ? "New conversation"
                : c.title() + " · " + SAVED_AT.format(c.updatedAt()));
        saved.setWidth("30em");
        saved.addValueChangeListener(e -> {
            if (!listing && e.getValue() != null) {
                reopen(e.getValue());
            }
        });
        save.setId("playground-save");
        save.addClickListener(e -> saveConversation());
        delete.setId("playground-delete");
        delete.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_TERTIARY);
        delete.addClickListener(e -> deleteConversation());
        HorizontalLayout row = new HorizontalLayout(saved, save, delete);
        row.setWrap(true); // fits narrow windows (1280×720) by wrapping
        row.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        return row;
    }

    /** Refills the saved list and selects the conversation being continued, without reopening it. */
    private void listSaved() {
        listing = true;
        try {
            List<ConversationSummary> mine = conversations.list(actor);
            saved.setItems(mine);
            saved.setValue(mine.stream().filter(c -> current.isPresent() && c.id() == current.getAsLong())
                    .findFirst().orElse(null));
        } finally {
            listing = false;
        }
        updateButtons();
    }

    /** Saves both sides as they are now, replacing the conversation being continued if there is one. */
    void saveConversation() {
        ConversationDocument document;
        try {
            document = document();
        } catch (RuntimeException e) {
            Notifications.error(e.getMessage());
            return;
        }
        if (document.title().isEmpty()) {
            Notifications.error("Nothing to save yet: ask something first");
            return;
        }
        try {
            ConversationSummary summary = conversations.save(actor, current, document.title(), document.toJson());
            current = OptionalLong.of(summary.id());
            listSaved();
            Notifications.success("Saved \"" + summary.title() + "\"");
        } catch (RuntimeException e) {
            Notifications.error(e.getMessage());
        }
    }

    /** The conversation as it would be saved now; fails with the setting named when one has no value. */
    ConversationDocument document() {
        ChatSettings settings = settings();
        return new ConversationDocument(ConversationDocument.VERSION,
                base.getValue() == null ? null : base.getValue().id(),
                tuned.getValue() == null ? null : tuned.getValue().jobId(), template.getValue(),
                settings.systemPrompt(), settings.temperature(), settings.topP(), settings.topK(),
                settings.repetitionPenalty(), settings.maxNewTokens(),
                settings.seed().isPresent() ? settings.seed().getAsLong() : null, basePane.history(),
                tunedPane.history());
    }

    /** Puts a saved conversation back: its models, template, settings and both sides' turns. */
    private void reopen(ConversationSummary summary) {
        ConversationDocument document;
        try {
            document = ConversationDocument.fromJson(conversations.document(actor, summary.id()));
        } catch (RuntimeException e) {
            Notifications.error("Cannot reopen \"" + summary.title() + "\": " + e.getMessage());
            return;
        }
        pickModels(document);
        template.setValue(document.template());
        system.setValue(document.system() == null ? "" : document.system());
        temperature.setValue(document.temperature());
        topP.setValue(document.topP());
        topK.setValue(document.topK());
        repetitionPenalty.setValue(document.repetitionPenalty());
        maxNewTokens.setValue(document.maxNewTokens());
        seed.setValue(document.seed() == null ? null : document.seed().intValue());
        basePane.restore(document.baseTurns());
        tunedPane.restore(document.tunedTurns());
        current = OptionalLong.of(summary.id());
        updateButtons();
    }

    /** The saved tuned model (and so its base) or base model, saying so when one is no longer available. */
    private void pickModels(ConversationDocument document) {
        Optional<TunedModel> tunedModel = tuned.getListDataView().getItems()
                .filter(t -> document.tunedJobId() != null && t.jobId() == document.tunedJobId()).findFirst();
        tuned.setValue(tunedModel.orElse(null));
        if (document.tunedJobId() != null && tunedModel.isEmpty()) {
            Notifications.error("The tuned model of job #" + document.tunedJobId() + " is no longer available to "
                    + "you: its earlier answers are shown, new messages go to the base model only");
        }
        Optional<BaseModelSummary> baseModel = base.getListDataView().getItems()
                .filter(m -> document.baseModelId() != null && m.id() == document.baseModelId()).findFirst();
        baseModel.ifPresent(base::setValue);
        if (document.baseModelId() != null && baseModel.isEmpty()) {
            Notifications.error("The base model of this conversation is no longer available to you");
        }
    }

    private void deleteConversation() {
        if (current.isEmpty()) {
            return;
        }
        try {
            conversations.delete(actor, current.getAsLong());
            Notifications.success("Deleted the saved conversation");
        } catch (RuntimeException e) {
            Notifications.error(e.getMessage());
        }
        current = OptionalLong.empty();
        listSaved();
    }

    private HorizontalLayout panes() {
        HorizontalLayout panes = new HorizontalLayout(basePane, tunedPane);
        panes.setWidthFull();
        return panes;
    }

    private HorizontalLayout promptBar() {
        prompt.setId("playground-prompt");
        prompt.setPlaceholder("Write a message; Ctrl+Enter sends it to both models");
        prompt.setWidthFull();
        prompt.setMaxHeight("10em");
        send.setId("playground-send");
        send.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        send.addClickShortcut(Key.ENTER, KeyModifier.CONTROL);
        send.addClickListener(e -> send());
        stop.setId("playground-stop");
        stop.setEnabled(false);
        stop.addClickListener(e -> stopAnswers());
        clear.setId("playground-clear");
        clear.addClickListener(e -> clearConversation());
        HorizontalLayout bar = new HorizontalLayout(prompt, send, stop, clear);
        bar.setWrap(true); // fits narrow windows (1280×720) by wrapping
        bar.setWidthFull();
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.END);
        bar.expand(prompt);
        return bar;
    }

    private void load(PlaygroundChoices choices) {
        base.setItems(choices.baseModels());
        tuned.setItems(choices.tunedModels());
        if (choices.baseModels().isEmpty()) {
            basePane.note("No base model is registered for your team yet: register one under Models.");
        } else {
            base.setValue(choices.baseModels().getFirst());
        }
        if (choices.tunedModels().isEmpty()) {
            tunedPane.note("No tuned model yet: a succeeded job's adapter or merged model appears here.");
        }
    }

    private void baseChanged(BaseModelSummary model) {
        basePane.clear();
        basePane.setHeading(model == null ? "Base model" : "Base: " + model.name());
        chooseTemplate(model, Optional.ofNullable(tuned.getValue()).flatMap(TunedModel::template));
    }

    /** A tuned model implies its base model and the template it was trained with. */
    private void tunedChanged(TunedModel model) {
        tunedPane.clear();
        tunedPane.setHeading(model == null ? "Tuned model" : "Tuned: " + model.jobName());
        if (model == null) {
            return;
        }
        Optional<BaseModelSummary> itsBase = base.getListDataView().getItems()
                .filter(m -> m.id() == model.baseModelId()).findFirst();
        itsBase.ifPresent(base::setValue);
        if (itsBase.isEmpty()) {
            Notifications.error("The base model " + model.baseModelName() + " of this job is not available to you");
        }
        chooseTemplate(base.getValue(), model.template());
    }

    /**
     * Both sides use one template: the one the tuned model was trained with, else the base model's own, else a
     * built-in one the user should check (the model has none of its own).
     */
    private void chooseTemplate(BaseModelSummary model, Optional<String> trainedWith) {
        template.setHelperText(null);
        if (trainedWith.isPresent()) {
            template.setValue(trainedWith.get());
        } else if (model != null && model.chatTemplate().isPresent()) {
            template.setValue(ChatTemplates.MODEL);
        } else if (model != null) {
            if (ChatTemplates.MODEL.equals(template.getValue())) {
                template.setValue("default");
            }
            template.setHelperText(model.name() + " has no chat template of its own: pick the one it was tuned with");
        }
    }

    private void send() {
        String message = prompt.getValue();
        if (message == null || message.isBlank()) {
            Notifications.error("Write a message first");
            return;
        }
        if (base.getValue() == null) {
            Notifications.error("Pick a base model first");
            return;
        }
        ChatSettings settings;
        try {
            settings = settings();
        } catch (RuntimeException e) {
            Notifications.error(e.getMessage());
            return;
        }
        UI ui = UI.getCurrent();
        ask(ui, basePane, new ModelChoice.Base(base.getValue().id()), settings, message);
        if (tuned.getValue() != null) {
            ask(ui, tunedPane, new ModelChoice.Tuned(tuned.getValue().jobId()), settings, message);
        } else {
            tunedPane.note("Pick a tuned model to compare its answer with the base model's.");
        }
        prompt.clear();
        updateButtons();
    }

    private void ask(UI ui, ChatPane pane, ModelChoice choice, ChatSettings settings, String message) {
        pane.startAnswer(message);
        try {
            running.add(playground.start(actor, choice, settings, pane.history(), message,
                    new PaneStream(ui, pane, throttle, this::ended)));
            answering++;
        } catch (RuntimeException e) {
            pane.fail(e.getMessage());
        }
    }

    /** Reads the settings panel; invalid values fail with the setting named. */
    ChatSettings settings() {
        return new ChatSettings(system.getValue(), Optional.ofNullable(template.getValue()),
                required(temperature.getValue(), "Temperature"), required(topP.getValue(), "Top-p"),
                required(topK.getValue(), "Top-k"), required(repetitionPenalty.getValue(), "Repetition penalty"),
                required(maxNewTokens.getValue(), "Max new tokens"),
                seed.getValue() == null ? OptionalLong.empty() : OptionalLong.of(seed.getValue()));
    }

    private static <T extends Number> T required(T value, String setting) {
        if (value == null) {
            throw new IllegalArgumentException(setting + " needs a value");
        }
        return value;
    }

    /** An answer ended (its pane is updated); when none is left, the prompt is free again. */
    private void ended() {
        answering--;
        if (answering == 0) {
            running.clear();
        }
        updateButtons();
    }

    private void stopAnswers() {
        List.copyOf(running).forEach(RunningChat::stop);
    }

    /** Starts a new conversation; a saved one stays saved. */
    private void clearConversation() {
        stopAnswers();
        basePane.clear();
        tunedPane.clear();
        current = OptionalLong.empty();
        listSaved();
        updateButtons();
    }

    /** While answers stream, the prompt and the saved conversations wait (a reopened chat would get their ends). */
    private void updateButtons() {
        boolean busy = answering > 0;
        send.setEnabled(!busy);
        stop.setEnabled(busy);
        saved.setEnabled(!busy);
        save.setEnabled(!busy);
        delete.setEnabled(!busy && current.isPresent());
    }
}
