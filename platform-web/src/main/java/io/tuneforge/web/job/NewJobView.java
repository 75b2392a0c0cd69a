package io.tuneforge.web.job;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.combobox.MultiSelectComboBox;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.IntegerField;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextArea;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.Route;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetSummary;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.job.PhaseSeconds;
import io.tuneforge.core.job.ResourceEstimate;
import io.tuneforge.core.job.RewardModelJobs;
import io.tuneforge.core.job.StageData;
import io.tuneforge.trainer.data.preview.DatasetPreviewException;
import io.tuneforge.trainer.data.preview.DatasetPreviewService;
import io.tuneforge.trainer.data.preview.TemplatePreview;
import io.tuneforge.web.dataset.TrainingSample;
import io.tuneforge.core.job.SweepGrid;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeField;
import io.tuneforge.shared.recipe.RecipeKeys;
import io.tuneforge.shared.recipe.RecipeMethod.FinetuningType;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.web.layout.Notifications;
import io.tuneforge.web.layout.SectionHeader;
import io.tuneforge.web.security.CurrentActor;
import jakarta.annotation.security.PermitAll;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * The new-job form: base model, datasets with mixing ratios, method and its settings, training settings with
 * LLaMA-Factory's defaults; "show as YAML", import of a LLaMA-Factory YAML, clone of a job, and a grid sweep.
 */
@Route("jobs/new")
@PageTitle("New job · TuneForge")
@PermitAll
public class NewJobView extends VerticalLayout implements BeforeEnterObserver {

    private final JobSubmissionService submissions;
    private final JobMonitorService monitor;
    private final DatasetPreviewService previews;
    private final Actor actor;
    private final List<BaseModelSummary> models;
    private final List<DatasetSummary> datasets;

    final TextField name = new TextField("Run name");
    final ComboBox<BaseModelSummary> model = new ComboBox<>("Base model");
    final MultiSelectComboBox<DatasetSummary> data = new MultiSelectComboBox<>("Datasets");
    final VerticalLayout ratios = new VerticalLayout();
    final Map<Long, NumberField> ratioFields = new LinkedHashMap<>();
    final RadioButtonGroup<FineTuningMethod> method = new RadioButtonGroup<>("Method");
    final Select<String> stage = new Select<>();
    /** Stage ppo: the finished reward-model job scoring the answers (sets {@code reward_model} to its id). */
    final ComboBox<RewardModelJobs.Choice> rewardModel = new ComboBox<>("Reward model");
    /** Says whose LoRA adapter the job continues ("Train with these ratings", DD030); hidden otherwise. */
    final Paragraph adapterText = new Paragraph();
    /** The succeeded job whose adapter this job continues, if any. */
    private JobOverview adapterSource;
    final IntegerField priority = new IntegerField("Priority");
    final TrainSettingsForm settings = new TrainSettingsForm();
    final TextField sweepRates = new TextField("Learning rates");
    final TextField sweepRanks = new TextField("LoRA ranks");
    final TextField sweepEpochs = new TextField("Epochs");
    final Button launch = new Button("Launch");
    final Button estimate = new Button("Pre-flight estimate");
    final Paragraph estimateText = new Paragraph();
    final Paragraph templateText = new Paragraph();
    final Div templateRow = new Div();
    final Button sweep = new Button("Queue sweep");
    final Button showYaml = new Button("Show as YAML");
    final Button importYaml = new Button("Import LLaMA-Factory YAML");
    final TextArea yaml = new TextArea("YAML");
    final Dialog yamlDialog = new Dialog();

    public NewJobView(JobSubmissionService submissions, JobMonitorService monitor, BaseModelService modelService,
            DatasetService datasetService, DatasetPreviewService previews, CurrentActor currentActor,
            RewardModelJobs rewardModels) {
        this.submissions = submissions;
        this.previews = previews;
        this.monitor = monitor;
        this.actor = currentActor.get();
        this.models = modelService.list(actor);
        this.datasets = datasetService.list(actor).stream()
                .filter(d -> d.status() == DatasetVersion.Status.VALID).toList();
        configureRewardModel(rewardModels.choices(actor));
        add(new SectionHeader("New job", "Choose a model and data, keep the defaults or adjust them, and launch."),
                basics(), settings, sweepSection(), actions(), templateText, templateRow);
        configureYamlDialog();
        method.setValue(FineTuningMethod.LORA);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        QueryParameters query = event.getLocation().getQueryParameters();
        query.getSingleParameter("stage").filter(stage.getListDataView().getItems().toList()::contains)
                .ifPresent(stage::setValue);
        query.getSingleParameter("dataset").ifPresent(this::preselectDataset);
        query.getSingleParameter("adapter_from_job").ifPresent(this::continueAdapterOf);
        query.getSingleParameter("val_size").ifPresent(v -> settings.setText("val_size", v));
        query.getSingleParameter("seed").ifPresent(v -> settings.setText("seed", v));
        query.getSingleParameter("template").ifPresent(v -> settings.setText("template", v));
        query.getSingleParameter("clone").ifPresent(id -> {
            try {
                cloneFrom(monitor.get(actor, Long.parseLong(id)));
            } catch (NumberFormatException | JobNotFoundException | RecipeException e) {
                Notifications.error("Cannot clone job " + id + ": " + e.getMessage());
            }
        });
    }

    /**
     * Selects the dataset whose newest version has this id (from the Datasets page's "New job with this split", the
     * Evaluate page's "Train with these ratings"), when the chosen stage trains on it.
     */
    private void preselectDataset(String versionId) {
        fittingDatasets().stream().filter(d -> Long.toString(d.versionId()).equals(versionId)).findFirst()
                .ifPresent(d -> data.setValue(Set.of(d)));
    }

    /**
     * Continues the LoRA adapter of a succeeded job (DD030): its base model is chosen, the method is LoRA, and the
     * page says so; the submission carries the job.
     */
    private void continueAdapterOf(String jobId) {
        try {
            JobOverview source = monitor.get(actor, Long.parseLong(jobId));
            adapterSource = source;
            models.stream().filter(m -> m.id() == source.baseModelId()).findFirst().ifPresent(model::setValue);
            method.setValue(FineTuningMethod.LORA);
            if (name.isEmpty()) {
                name.setValue(source.name() + " " + stage.getValue());
            }
            adapterText.setText("Continues the LoRA adapter of job #" + source.id() + " " + source.name() + " ("
                    + source.baseModel() + "): the lineage reads " + source.baseModel() + " → " + source.name()
                    + " → this job.");
            adapterText.setVisible(true);
        } catch (NumberFormatException | JobNotFoundException e) {
            Notifications.error("Cannot continue the adapter of job " + jobId + ": " + e.getMessage());
        }
    }

    /** The valid datasets the chosen stage trains on. */
    List<DatasetSummary> fittingDatasets() {
        return datasets.stream().filter(d -> StageData.accepts(stage.getValue(), d.format())).toList();
    }

    /**
     * Shows the chosen stage's settings and lists only the datasets it trains on (a chosen one it cannot use is
     * dropped), with a message naming what it needs when none fits.
     */
    private void showStage(String chosen) {
        settings.showStage(chosen);
        rewardModel.setVisible(chosen.equals("ppo"));
        List<DatasetSummary> fitting = fittingDatasets();
        Set<DatasetSummary> kept = new LinkedHashSet<>(data.getSelectedItems());
        kept.retainAll(fitting);
        data.setItems(fitting);
        data.setValue(kept);
        String needs = StageData.of(chosen).description();
        if (datasets.isEmpty()) {
            data.setHelperText("Upload a valid dataset on the Datasets page first.");
        } else if (fitting.isEmpty()) {
            data.setHelperText("No valid dataset fits stage " + chosen + ": it trains on " + needs + ". Upload one "
                    + "on the Datasets page" + (chosen.equals("dpo") || chosen.equals("rm")
                            ? ", or export a blind A/B session's ratings on the Evaluate page." : "."));
        } else {
            data.setHelperText("Valid datasets of " + needs + " (stage " + chosen + "). Several are mixed by the "
                    + "ratios below.");
        }
    }

    private FormLayout basics() {
        name.setRequired(true);
        name.setPlaceholder("e.g. support-bot-lora");
        model.setItems(models);
        model.setItemLabelGenerator(m -> m.name() + " (" + m.architecture() + ")");
        model.setHelperText(models.isEmpty() ? "Register a base model on the Models page first." : "The model to fine-tune.");
        data.setItemLabelGenerator(d -> d.name() + " v" + d.latestVersion() + " (" + d.rows() + " rows, "
                + d.format().cliName() + ")");
        data.addValueChangeListener(e -> showRatios());
        RecipeField stageField = RecipeKeys.field("stage").orElseThrow();
        stage.setLabel(stageField.label());
        stage.setHelperText(stageField.help());
        stage.setItems(stageField.choices()); // the recipe's allowed stages: a stage added there appears here
        stage.setValue(settings.stage());
        stage.addValueChangeListener(e -> showStage(e.getValue()));
        showStage(stage.getValue());
        adapterText.setId("job-adapter");
        adapterText.setVisible(false);
        ratios.setPadding(false);
        ratios.setSpacing(false);
        RecipeField finetuningType = RecipeKeys.field("finetuning_type").orElseThrow();
        method.setLabel(finetuningType.label());
        method.setHelperText(finetuningType.help());
        method.setItems(FineTuningMethod.values());
        method.setItemLabelGenerator(m -> switch (m) {
            case LORA -> "LoRA (small adapter, least memory)";
            case FULL -> "Full (all weights)";
            case FREEZE -> "Freeze (last layers only)";
            case PREFIX -> "Prefix tuning (virtual tokens; kept beside the base, not mergeable)";
            case ADAPTER -> "Bottleneck adapters (kept beside the base, not mergeable)";
            case OFT -> "OFT (orthogonal rotations, small adapter)";
        });
        method.addValueChangeListener(e -> settings.showMethod(e.getValue().recipeType()));
        priority.setValue(0);
        priority.setVisible(actor.isAdmin());
        priority.setHelperText("Higher runs first (administrators only).");
        FormLayout form = new FormLayout(name, model, stage, rewardModel, data, ratios, method, priority,
                adapterText);
        form.setColspan(adapterText, 2);
        form.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("40em", 2));
        return form;
    }

    /**
     * The reward-model picker of stage ppo: the team's finished stage rm jobs; choosing one sets the recipe's
     * {@code reward_model} (a settings field the picker stands for, not shown itself) to the job's id.
     */
    private void configureRewardModel(List<RewardModelJobs.Choice> choices) {
        rewardModel.setId("job-reward-model");
        rewardModel.setItems(choices);
        rewardModel.setItemLabelGenerator(RewardModelJobs.Choice::label);
        rewardModel.setHelperText(choices.isEmpty() ? "No finished reward-model job yet: train one with Stage rm on "
                + "preference pairs first." : "A finished reward-model job (stage rm) trained from this base model "
                + "or one with its tokenizer.");
        settings.hideBehindPicker("reward_model");
        rewardModel.addValueChangeListener(e -> {
            rewardModel.setInvalid(false); // a refusal shown on the picker is about the previous choice
            if (e.isFromClient() || e.getValue() != null) {
                settings.setText("reward_model", e.getValue() == null ? "" : Long.toString(e.getValue().jobId()));
            }
        });
    }

    /** Chooses the reward model a recipe names by job id (a cloned job, an imported YAML), if it is listed. */
    private void pickRewardModel(JobRecipe recipe) {
        recipe.preference().ppo().rewardModel().map(String::strip).ifPresent(given -> rewardModel
                .getListDataView().getItems().filter(c -> Long.toString(c.jobId()).equals(given)
                        || c.name().equals(given)).findFirst().ifPresent(rewardModel::setValue));
    }

    private void showRatios() {
        ratios.removeAll();
        Map<Long, NumberField> previous = new LinkedHashMap<>(ratioFields);
        ratioFields.clear();
        for (DatasetSummary dataset : data.getSelectedItems()) {
            NumberField ratio = previous.getOrDefault(dataset.versionId(), new NumberField());
            ratio.setLabel("Mixing ratio of " + dataset.name());
            ratio.setMin(0);
            if (ratio.getValue() == null) {
                ratio.setValue(1.0);
            }
            ratio.setHelperText("Times each row is used per epoch: 1 = every row once, 0.5 = a random half "
                    + "(seeded), 2 = every row twice.");
            ratioFields.put(dataset.versionId(), ratio);
            ratios.add(ratio);
        }
    }

    private Details sweepSection() {
        sweepRates.setPlaceholder("1e-4, 2e-4");
        sweepRanks.setPlaceholder("8, 16");
        sweepEpochs.setPlaceholder("1, 3");
        sweepRates.setHelperText("Comma-separated; blank uses the form's value.");
        sweepRanks.setHelperText("LoRA only.");
        sweep.addClickListener(click -> queueSweep());
        HorizontalLayout row = new HorizontalLayout(sweepRates, sweepRanks, sweepEpochs, sweep);
        row.setWrap(true); // fits narrow windows (1280×720) by wrapping
        row.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        Details details = new Details("Hyperparameter sweep: one job per combination, queued as a group",
                new VerticalLayout(row));
        details.setWidthFull();
        return details;
    }

    private HorizontalLayout actions() {
        launch.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        launch.addClickListener(click -> launchOne());
        launch.setId("job-launch");
        name.setId("job-name");
        model.setId("job-model");
        data.setId("job-datasets");
        stage.setId("job-stage");
        showYaml.addClickListener(click -> openYaml(true));
        importYaml.addClickListener(click -> openYaml(false));
        estimate.addClickListener(click -> showEstimate());
        estimateText.getStyle().set("margin", "0");
        estimateText.setId("job-estimate");
        templateText.setId("job-template");
        estimate.setId("job-estimate-button");
        method.setId("job-method");
        estimateText.setWidthFull(); // a line of its own below the buttons, wrapped, never cut off
        HorizontalLayout buttons = new HorizontalLayout(launch, estimate, showYaml, importYaml, estimateText);
        buttons.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
        buttons.setWrap(true);
        buttons.setWidthFull();
        return buttons;
    }

    /**
     * Memory per device and time for the current form, from the queue's pre-flight estimator; and the chat template
     * the job will train with, with the first row of its first dataset rendered by it.
     */
    void showEstimate() {
        request().ifPresent(request -> {
            try {
                estimateText.setText(submissions.estimate(actor, request)
                        .map(e -> describe(e) + pureBf16Note(request))
                        .orElse("No estimate: the model folder has no readable config.json."));
            } catch (JobRefusedException | AccessRefusedException | RecipeException e) {
                estimateText.setText(e.getMessage());
            }
            showTemplate(request);
        });
    }

    private void showTemplate(JobSubmission request) {
        templateRow.removeAll();
        templateText.removeClassName("template-error");
        if (request.datasets().isEmpty()) {
            templateText.setText("");
            return;
        }
        try {
            JobRecipe recipe = JobRecipe.read(request.configuration(), RecipeSource.FORM);
            TemplatePreview preview = previews.templatePreview(actor, request.datasets().getFirst().versionId(),
                    request.baseModelId(), recipe.data().template(), recipe.data().cutoffLen());
            templateText.setText("Chat template: " + preview.template() + " (" + preview.reason() + ")."
                    + (preview.row().isPresent() ? " The first training row, trained text highlighted:" : ""));
            preview.row().ifPresent(row -> templateRow.add(TrainingSample.of(0, row)));
        } catch (DatasetPreviewException | RecipeException e) {
            templateText.setText("Chat template error, the job cannot launch: " + e.getMessage());
            templateText.addClassName("template-error");
        }
    }

    static String describe(ResourceEstimate e) {
        PhaseSeconds p = e.phases();
        return String.format(java.util.Locale.ROOT, "Needs about %.2f GiB per device (weights %.2f, optimizer %.2f, "
                + "activations %.2f GiB%s), %,d trainable parameters, %,d tokens, roughly %s in all: training %s, "
                + "evaluation %s, merge %s, predictions %s%s (%s).",
                gib(e.totalBytes()), gib(e.weightsBytes()), gib(e.optimizerBytes()), gib(e.activationBytes()),
                (e.referenceBytes() > 0 ? String.format(java.util.Locale.ROOT, ", reference model %.2f GiB",
                        gib(e.referenceBytes())) : "") + (e.rewardModelBytes() > 0 ? String.format(
                        java.util.Locale.ROOT, ", reward model %.2f GiB", gib(e.rewardModelBytes())) : ""),
                e.trainableParams(), e.trainingTokens(), human(e.estimatedSeconds()), human(p.training()),
                human(p.evaluation()), human(p.merging()), human(p.predicting()),
                p.exporting() > 0 ? ", GGUF export " + human(p.exporting()) : "",
                p.calibrated() ? "calibrated by the workers' measured speeds" : "from model size; calibrated once a "
                        + "worker has finished a job on a model of this size");
    }

    /**
     * What pure_bf16 costs in memory for weights trained whole (DD040): their values are bf16, their arrays float32, so
     * the estimate counts weights, gradients and optimizer state at float32.
     */
    static String pureBf16Note(JobSubmission request) {
        Object pure = request.configuration().get("pure_bf16");
        boolean whole = request.method() == FineTuningMethod.FULL || request.method() == FineTuningMethod.FREEZE;
        return pure != null && Boolean.parseBoolean(pure.toString()) && whole
                ? " pure_bf16 rounds the trained weights and optimizer state to bf16 but holds them in float32 arrays: "
                        + "their memory is that of float32." : "";
    }

    private static String human(long seconds) {
        return JobView.human(java.time.Duration.ofSeconds(seconds));
    }

    private static double gib(long bytes) {
        return bytes / (1024.0 * 1024 * 1024);
    }

    private void configureYamlDialog() {
        yaml.setWidth("40em");
        yaml.setHeight("28em");
        yaml.getStyle().set("font-family", "monospace");
        Button apply = new Button("Fill the form", click -> applyYaml());
        apply.setId("yaml-apply");
        Button close = new Button("Close", click -> yamlDialog.close());
        yamlDialog.add(yaml);
        yamlDialog.getFooter().add(apply, close);
    }

    private void openYaml(boolean export) {
        yaml.setInvalid(false);
        if (export) {
            Optional<JobRecipe> recipe = settings.read();
            if (recipe.isEmpty()) {
                Notifications.error("Some settings are not valid: see the fields marked in red.");
                return;
            }
            yaml.setValue(JobYaml.write(recipe.get(), Optional.ofNullable(model.getValue()).map(BaseModelSummary::path),
                    data.getSelectedItems().stream().map(DatasetSummary::name).toList()));
            yamlDialog.setHeaderTitle("The train config of this form");
        } else {
            yaml.clear();
            yamlDialog.setHeaderTitle("Paste a LLaMA-Factory training YAML");
        }
        yamlDialog.open();
    }

    /**
     * Fills the form from the YAML in the dialog; a key or value the recipe refuses shows its message and changes
     * nothing. Path keys are not settings here: the model and dataset pickers are chosen from them when they name a
     * registered model or dataset, and the user is told which were not applied.
     */
    void applyYaml() {
        yaml.setInvalid(false);
        JobYaml imported;
        try {
            imported = JobYaml.read(yaml.getValue());
        } catch (IllegalArgumentException | RecipeException e) {
            yaml.setErrorMessage(e.getMessage());
            yaml.setInvalid(true);
            return;
        }
        JobRecipe recipe = imported.recipe();
        showRecipe(recipe);
        List<String> picked = new ArrayList<>();
        pickModel(recipe).ifPresent(m -> picked.add("base model " + m.name()));
        List<DatasetSummary> named = fittingDatasets().stream()
                .filter(d -> recipe.data().datasets().contains(d.name())).toList();
        if (!named.isEmpty()) {
            data.setValue(named);
            picked.add("datasets " + String.join(", ", named.stream().map(DatasetSummary::name).toList()));
        }
        yamlDialog.close();
        Notifications.success(imported.report(picked));
    }

    /** Method and settings from a recipe (an imported YAML, a cloned job). */
    private void showRecipe(JobRecipe recipe) {
        settings.fill(recipe);
        method.setValue(FineTuningMethod.of(recipe.method().finetuningType()));
        stage.setValue(recipe.method().stage());
        pickRewardModel(recipe);
    }

    /** Chooses the registered base model a recipe's model_name_or_path names (by folder or name), if any. */
    private Optional<BaseModelSummary> pickModel(JobRecipe recipe) {
        Optional<BaseModelSummary> found = recipe.model().modelNameOrPath().flatMap(path -> models.stream()
                .filter(m -> m.path().equals(path) || m.name().equals(path)).findFirst());
        found.ifPresent(model::setValue);
        return found;
    }

    private void cloneFrom(JobOverview job) {
        Map<String, Object> config = JsonMapper.builder().build().readValue(job.configJson(), LinkedHashMap.class);
        JobRecipe recipe = JobRecipe.read(config, RecipeSource.STORED);
        stage.setValue(recipe.method().stage()); // first: the dataset list shows the datasets of the job's stage
        Object mix = config.get("dataset_mix");
        if (mix instanceof List<?> shares) {
            List<Long> ids = shares.stream().map(s -> ((Number) ((Map<?, ?>) s).get("dataset_version_id")).longValue()).toList();
            data.setValue(fittingDatasets().stream().filter(d -> ids.contains(d.versionId())).toList());
            for (Object share : shares) {
                Map<?, ?> values = (Map<?, ?>) share;
                NumberField ratio = ratioFields.get(((Number) values.get("dataset_version_id")).longValue());
                if (ratio != null) {
                    ratio.setValue(((Number) values.get("ratio")).doubleValue());
                }
            }
        }
        showRecipe(recipe);
        pickModel(recipe);
        name.setValue(job.name() + " (clone)");
    }

    private Optional<JobSubmission> request() {
        Optional<Map<String, Object>> train = settings.read().map(recipe -> new LinkedHashMap<>(recipe.given()));
        if (train.isEmpty()) {
            Notifications.error("Some settings are not valid: see the fields marked in red.");
            return Optional.empty();
        }
        if (model.getValue() == null) {
            model.setInvalid(true);
            model.setErrorMessage("Choose a base model");
            return Optional.empty();
        }
        List<JobSubmission.DatasetShare> shares = new ArrayList<>();
        ratioFields.forEach((versionId, ratio) -> shares.add(new JobSubmission.DatasetShare(versionId,
                ratio.getValue() == null ? 0 : ratio.getValue())));
        JobSubmission submission = new JobSubmission(name.getValue(), model.getValue().id(), shares,
                method.getValue(), train.get(), priority.getValue() == null ? 0 : priority.getValue(), 1,
                Optional.empty());
        return Optional.of(adapterSource == null ? submission : submission.continuingAdapterOf(adapterSource.id()));
    }

    private void launchOne() {
        request().ifPresent(request -> {
            try {
                long id = submissions.submit(actor, request).id();
                Notifications.success("Queued job " + id);
                UI.getCurrent().navigate("jobs/" + id);
            } catch (RecipeException e) {
                showSubmitRefusal(e);
            } catch (JobRefusedException | AccessRefusedException e) {
                Notifications.error(e.getMessage());
            }
        });
    }

    /** A refusal at submit naming a key: on the reward-model picker for {@code reward_model}, else as a message. */
    private void showSubmitRefusal(RecipeException e) {
        if (e.key().equals("reward_model")) {
            rewardModel.setErrorMessage(e.getMessage());
            rewardModel.setInvalid(true);
        } else {
            Notifications.error(e.getMessage());
        }
    }

    private void queueSweep() {
        List.of(sweepRates, sweepRanks, sweepEpochs).forEach(field -> field.setInvalid(false));
        request().ifPresent(request -> {
            JobRecipe recipe = JobRecipe.read(request.configuration(), RecipeSource.FORM);
            try {
                SweepGrid grid = new SweepGrid(
                        sweepValues(sweepRates, List.of(recipe.optimization().learningRate()), Number::doubleValue),
                        sweepValues(sweepRanks, recipe.isLora() ? List.of(recipe.method().lora().rank()) : List.of(),
                                Number::intValue),
                        sweepValues(sweepEpochs, List.of(recipe.optimization().numTrainEpochs()), Number::doubleValue));
                for (Map<String, Object> point : grid.points(request.method())) {
                    recipe.with(point, RecipeSource.FORM); // a point the recipe refuses is refused with its message
                }
                List<JobOverview> queued = submissions.submitSweep(actor, request, grid);
                Notifications.success("Queued " + queued.size() + " jobs as one sweep");
                UI.getCurrent().navigate(JobsView.class);
            } catch (RecipeException e) {
                showSweepError(e);
            } catch (JobRefusedException | AccessRefusedException e) {
                Notifications.error(e.getMessage());
            }
        });
    }

    /** The recipe key a sweep field lists values of. */
    private String sweepKey(TextField field) {
        return field == sweepRates ? "learning_rate" : field == sweepRanks ? "lora_rank" : "num_train_epochs";
    }

    /** A sweep field's comma-separated values, each parsed by the recipe; the fallback when the field is blank. */
    private <T> List<T> sweepValues(TextField field, List<T> fallback, java.util.function.Function<Number, T> type) {
        if (field.getValue().isBlank()) {
            return fallback;
        }
        RecipeField recipeField = RecipeKeys.field(sweepKey(field)).orElseThrow();
        return Arrays.stream(field.getValue().split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> type.apply((Number) recipeField.parse(s, RecipeSource.FORM).orElseThrow())).toList();
    }

    private void showSweepError(RecipeException e) {
        Optional<TextField> field = java.util.stream.Stream.of(sweepRates, sweepRanks, sweepEpochs)
                .filter(f -> sweepKey(f).equals(e.key())).findFirst();
        field.ifPresentOrElse(f -> {
            f.setErrorMessage(e.getMessage());
            f.setInvalid(true);
        }, () -> Notifications.error(e.getMessage()));
    }

    static Paragraph note(String text) {
        return new Paragraph(text);
    }
}
