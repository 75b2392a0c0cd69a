package io.tuneforge.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.QueryParameters;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetSummary;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.recipe.JobRecipe;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.shared.recipe.RecipeField;
import io.tuneforge.shared.recipe.RecipeKeys;
import io.tuneforge.shared.recipe.RecipeSource;
import io.tuneforge.shared.recipe.Section;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest
class NewJobViewTest extends SpringBrowserlessTest {

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    BaseModelService models;

    @Autowired
    DatasetService datasets;

    @Autowired
    JobMonitorService monitor;

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    Actor actor;

    @BeforeEach
    void workspace() {
        actor = SignedIn.as(Role.MEMBER, accounts, teams);
        Workspace.stories(models, actor);
        Workspace.identity(datasets, actor);
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @Test
    void launchesALoraJobWithLlamaFactoryDefaultsAndOpensItsPage() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "first-lora");

        test(view.launch).click();

        List<JobOverview> jobs = monitor.list(actor);
        assertThat(jobs).hasSize(1);
        JobOverview job = jobs.getFirst();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.method()).isEqualTo(FineTuningMethod.LORA);
        JsonNode config = JsonMapper.builder().build().readTree(job.configJson());
        assertThat(config.path("learning_rate").asDouble()).isEqualTo(5e-5);
        assertThat(config.path("num_train_epochs").asDouble()).isEqualTo(3.0);
        assertThat(config.path("per_device_train_batch_size").asInt()).isEqualTo(2);
        assertThat(config.path("gradient_accumulation_steps").asInt()).isEqualTo(8);
        assertThat(config.path("lora_rank").asInt()).isEqualTo(8);
        assertThat(config.path("lora_alpha").asDouble()).as("blank: the recipe's 2 × rank, stored as used")
                .isEqualTo(16.0);
        assertThat(config.path("cutoff_len").asInt()).isEqualTo(2048);
        assertThat(config.path("finetuning_type").asString()).isEqualTo("lora");
        JobRecipe stored = JobRecipe.read(JsonMapper.builder().build().readValue(job.configJson(), Map.class),
                RecipeSource.STORED);
        assertThat(stored.method().lora().alpha()).isEqualTo(16.0);
        assertThat(stored.data().valSize()).as("the form's visible 8:2 split").isEqualTo(0.2);
        assertThat(config.path("dataset_mix").get(0).path("dataset").asString()).isEqualTo("identity");
        assertThat(getCurrentView()).isInstanceOf(JobView.class);
    }

    @Test
    void launchesAnOftJobWithLlamaFactorysOftDefaults() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "first-oft");
        view.method.setValue(FineTuningMethod.OFT);

        test(view.launch).click();

        JobOverview job = monitor.list(actor).getFirst();
        assertThat(job.method()).isEqualTo(FineTuningMethod.OFT);
        JsonNode config = JsonMapper.builder().build().readTree(job.configJson());
        assertThat(config.path("finetuning_type").asString()).isEqualTo("oft");
        assertThat(config.path("oft_block_size").asInt()).isEqualTo(32);
        assertThat(config.path("oft_rank").asInt()).isZero();
        assertThat(config.path("oft_target").asString()).isEqualTo("all");
        assertThat(JobRecipe.read(JsonMapper.builder().build().readValue(job.configJson(), Map.class),
                RecipeSource.STORED).method().describe()).isEqualTo("OFT b=32");
    }

    @Test
    void aMembersPriorityAboveZeroIsRefusedAsByTheApiAndNothingIsQueued() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "urgent");
        assertThat(view.priority.isVisible()).as("members do not see the priority field").isFalse();
        view.priority.setValue(10); // as a crafted request would

        test(view.launch).click();

        assertThat(test($(Notification.class).last()).getText())
                .contains("Only administrators may give a job a priority above 0");
        assertThat(monitor.list(actor)).isEmpty();
        assertThat(getCurrentView()).isInstanceOf(NewJobView.class);
    }

    @Test
    void invalidLearningRateBlocksTheLaunchAndMarksTheField() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "bad-lr");
        TextField lr = (TextField) view.settings.field("learning_rate");
        test(lr).setValue("fast");

        test(view.launch).click();

        assertThat(lr.isInvalid()).isTrue();
        assertThat(monitor.list(actor)).isEmpty();
    }

    static List<Arguments> badValues() {
        return List.of(
                Arguments.of("learning_rate", "-1", Map.of()),
                Arguments.of("learning_rate", "fast", Map.of()),
                Arguments.of("lora_rank", "0", Map.of()),
                Arguments.of("lora_rank", "-5", Map.of()),
                Arguments.of("per_device_train_batch_size", "0", Map.of()),
                Arguments.of("max_steps", "99999999999", Map.of()),
                Arguments.of("max_steps", "-1", Map.of()),
                Arguments.of("eval_steps", "10", Map.of("val_size", "0")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badValues")
    void aBadValueShowsTheRecipesMessageOnItsFieldAndLaunchesNothing(String key, String value,
            Map<String, String> otherFields) {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "bad-" + key);
        otherFields.forEach((other, text) -> test((TextField) view.settings.field(other)).setValue(text));
        TextField field = (TextField) view.settings.field(key);
        test(field).setValue(value);

        test(view.launch).click();

        String expected = recipeMessage(Map.of(key, value));
        assertThat(field.isInvalid()).isTrue();
        assertThat(field.getErrorMessage()).isEqualTo(expected);
        assertThat(monitor.list(actor)).isEmpty();
    }

    @Test
    void aCrossFieldRefusalClearsOnceTheOtherFieldIsFixed() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "eval");
        TextField valSize = (TextField) view.settings.field("val_size");
        TextField evalSteps = (TextField) view.settings.field("eval_steps");
        test(valSize).setValue("0");
        test(evalSteps).setValue("10");
        test(view.launch).click();
        assertThat(evalSteps.isInvalid()).isTrue();

        test(valSize).setValue("0.1");

        assertThat(evalSteps.isInvalid()).isFalse();
        test(view.launch).click();
        assertThat(monitor.list(actor)).hasSize(1);
    }

    @Test
    void theFormStartsWithTheRecipesDefaultsAndFormPrefills() {
        NewJobView view = navigate(NewJobView.class);

        List<String> shown = view.settings.recipeFields().stream().map(RecipeField::key).toList();
        List<String> settable = RecipeKeys.FIELDS.stream().filter(f -> !f.pathKey()).map(RecipeField::key).toList();
        assertThat(shown).containsExactlyElementsOf(settable.stream()
                // the method chooser sets these; a prediction run (do_predict) is the CLI's, not a job's
                .filter(k -> !List.of("stage", "do_train", "finetuning_type", "do_predict", "predict_with_generate")
                        .contains(k)).toList());
        for (RecipeField field : view.settings.recipeFields()) {
            Object value = view.settings.field(field.key()).getValue();
            Object expected = view.settings.field(field.key()) instanceof Checkbox
                    ? Boolean.valueOf(field.initialFormText()) : field.initialFormText();
            assertThat(value).as(field.key()).isEqualTo(expected);
            assertThat(view.settings.field(field.key())).as(field.key()).isInstanceOf(switch (field.kind()) {
                case BOOLEAN -> Checkbox.class;
                case CHOICE -> Select.class;
                case DECIMAL, INTEGER, TEXT -> TextField.class;
            });
        }
        assertThat(view.method.getValue().name()).isEqualToIgnoringCase(
                RecipeKeys.field("finetuning_type").orElseThrow().initialFormText());
    }

    @Test
    void preflightEstimateShowsMemoryPerDevice() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "estimate");

        test(view.estimate).click();

        assertThat(view.estimateText.getText()).contains("GiB per device", "trainable parameters");
    }

    @Test
    void aStoriesJobWithEveryDefaultResolvesItsTemplateToDefaultAndLaunches() throws Exception {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "all-defaults");
        assertThat(view.settings.field("template").getValue()).isEqualTo("auto");

        test(view.estimate).click();

        assertThat(view.templateText.getText()).startsWith("Chat template: default (")
                .contains("no chat template of its own");
        assertThat(view.templateRow.getElement().getTextRecursively()).contains("Human: ").contains("Assistant:");
        test(view.launch).click();
        assertThat(monitor.list(actor)).hasSize(1);
        assertThat(getCurrentView()).isInstanceOf(JobView.class);
    }

    @Test
    void aTemplateErrorBlocksTheLaunchWithItsMessage() throws Exception {
        Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "tuneforge-test-models"));
        Path broken = Files.createTempDirectory(root, "broken-template");
        try (var files = Files.list(Workspace.fixture("models/stories260K"))) {
            for (Path file : files.toList()) {
                Files.copy(file, broken.resolve(file.getFileName()));
            }
        }
        Files.writeString(broken.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": \"{% for m in messages %}\"}");
        String name = "broken-" + System.nanoTime();
        models.register(actor, name, broken.toString(), false);
        NewJobView view = navigate(NewJobView.class);
        test(view.name).setValue("broken");
        test(view.model).selectItem(name + " (LlamaForCausalLM)");
        view.data.setValue(view.data.getListDataView().getItems().toList());

        test(view.estimate).click();
        assertThat(view.templateText.getText()).startsWith("Chat template error, the job cannot launch");
        test(view.launch).click();

        assertThat(test($(Notification.class).last()).getText()).startsWith("Chat template: ");
        assertThat(monitor.list(actor)).isEmpty();
        assertThat(getCurrentView()).isInstanceOf(NewJobView.class);
    }

    @Test
    void showAsYamlWritesTheTrainConfigKeys() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "yaml");

        test(view.showYaml).click();

        assertThat(view.yaml.getValue()).contains("finetuning_type: lora", "learning_rate: 5.0E-5", "lora_rank: 8",
                "dataset: identity", "cutoff_len: 2048", "lr_scheduler_type: cosine", "stage: sft", "do_train: true",
                "model_name_or_path: " + view.model.getValue().path());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(FineTuningMethod.class)
    void yamlExportImportsBackToTheSameForm(FineTuningMethod method) {
        NewJobView first = navigate(NewJobView.class);
        fillBasics(first, "round-trip");
        first.method.setValue(method);
        Map.of("learning_rate", "1e-4", "max_steps", "30", "eval_steps", "5", "lora_rank", "16",
                "freeze_trainable_layers", "3", "freeze_trainable_modules", "mlp,self_attn", "template", "alpaca")
                .forEach((key, value) -> setSetting(first, key, value));
        ((Checkbox) first.settings.field("packing")).setValue(true);
        Map<String, Object> before = first.settings.read().orElseThrow().given();
        Map<String, Object> shownBefore = shownValues(first);
        Object chosenModel = first.model.getValue();
        Object chosenData = Set.copyOf(first.data.getSelectedItems());
        test(first.showYaml).click();
        String exported = first.yaml.getValue();

        navigate(JobsView.class);
        NewJobView second = navigate(NewJobView.class);
        assertThat(second).isNotSameAs(first);
        test(second.importYaml).click();
        second.yaml.setValue(exported);
        second.applyYaml();

        assertThat(second.yaml.isInvalid()).isFalse();
        assertThat(second.method.getValue()).isEqualTo(method);
        assertThat(second.settings.read().orElseThrow().given()).isEqualTo(before);
        assertThat(shownValues(second)).as("the fields of the method's sections")
                .containsAllEntriesOf(filtered(shownBefore, before.keySet()));
        assertThat(second.model.getValue()).isEqualTo(chosenModel);
        assertThat(Set.copyOf(second.data.getSelectedItems())).isEqualTo(chosenData);
    }

    private static Map<String, Object> filtered(Map<String, Object> values, Set<String> keys) {
        Map<String, Object> kept = new LinkedHashMap<>(values);
        kept.keySet().retainAll(keys);
        return kept;
    }

    /** Every field's value as the recipe parses it, by key (blank fields absent). */
    private static Map<String, Object> shownValues(NewJobView view) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (RecipeField field : view.settings.recipeFields()) {
            field.parse(view.settings.field(field.key()).getValue(), RecipeSource.FORM)
                    .ifPresent(value -> values.put(field.key(), value));
        }
        return values;
    }
    @Test
    void importingALlamaFactoryYamlFillsTheFormAndUnknownKeysAreRefused() {
        NewJobView view = navigate(NewJobView.class);
        TextField rank = (TextField) view.settings.field("lora_rank");
        test(rank).setValue("-5");
        assertThat(rank.isInvalid()).isTrue();
        test(view.importYaml).click();
        view.yaml.setValue("""
                stage: sft
                do_train: true
                finetuning_type: lora
                lora_rank: 16
                learning_rate: 1.0e-4
                num_train_epochs: 5.0
                dataset: identity
                output_dir: saves/x
                """);
        view.applyYaml();

        assertThat(view.settings.field("lora_rank").getValue()).isEqualTo("16");
        assertThat(rank.isInvalid()).as("the typed value's message is gone with it").isFalse();
        assertThat(view.settings.field("learning_rate").getValue()).isEqualTo("1.0e-4");
        assertThat(view.settings.field("val_size").getValue()).as("absent: LLaMA-Factory's default").isEqualTo("0.0");
        assertThat(view.data.getSelectedItems()).extracting(d -> d.name()).containsExactly("identity");
        assertThat(test($(Notification.class).last()).getText())
                .contains("Not applied (the model and dataset pickers and the job set them): dataset, output_dir.")
                .contains("datasets identity");

        for (String refused : List.of("lora_rnak: 4\n", "use_galore: true\n", "lora_rank: 0\n",
                "model_name_or_path: x\nfinetuning_type: full\nadapter_name_or_path: a\n")) {
            test(view.importYaml).click();
            view.yaml.setValue(refused);
            view.applyYaml();
            assertThat(view.yaml.isInvalid()).as(refused).isTrue();
            Map<String, Object> values = new org.yaml.snakeyaml.Yaml().load(refused);
            assertThat(view.yaml.getErrorMessage()).isEqualTo(recipeMessage(values, RecipeSource.YAML));
            assertThat(view.settings.field("lora_rank").getValue()).as("nothing applied").isEqualTo("16");
        }
    }

    @Test
    void aSweepPointTheRecipeRefusesQueuesNothing() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "bad-sweep");
        test(view.sweepRates).setValue("1e-4, -1");

        test(view.sweep).click();

        assertThat(view.sweepRates.isInvalid()).isTrue();
        assertThat(view.sweepRates.getErrorMessage()).isEqualTo(recipeMessage(Map.of("learning_rate", "-1")));
        assertThat(monitor.list(actor)).isEmpty();
    }

    @Test
    void aSweepQueuesOneJobPerGridPointInOneGroup() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "sweep");
        test(view.sweepRates).setValue("1e-4, 2e-4");
        test(view.sweepRanks).setValue("4, 8");
        test(view.sweepEpochs).setValue("1");

        test(view.sweep).click();

        List<JobOverview> jobs = monitor.list(actor);
        assertThat(jobs).hasSize(4);
        assertThat(jobs).extracting(j -> j.sweepGroup().orElseThrow()).containsOnly(jobs.getFirst().sweepGroup().get());
        assertThat(jobs).extracting(JobOverview::name).contains("sweep lr=1.0E-4 r=4 ep=1.0", "sweep lr=2.0E-4 r=8 ep=1.0");
    }

    @Test
    void cloneFillsTheFormFromAnotherJob() {
        NewJobView first = navigate(NewJobView.class);
        fillBasics(first, "original");
        test((TextField) first.settings.field("lora_rank")).setValue("32");
        test(first.launch).click();
        long id = monitor.list(actor).getFirst().id();

        UI.getCurrent().navigate("jobs/new", QueryParameters.of("clone", Long.toString(id)));
        NewJobView clone = (NewJobView) getCurrentView();

        assertThat(clone.name.getValue()).isEqualTo("original (clone)");
        assertThat(clone.settings.field("lora_rank").getValue()).isEqualTo("32");
        assertThat(clone.model.getValue()).isNotNull();
        assertThat(clone.data.getSelectedItems()).hasSize(1);
    }

    @Test
    void splitSettingsFromTheDatasetsPageFillTheForm() {
        DatasetSummary identity = datasets.list(actor).getFirst();

        UI.getCurrent().navigate("jobs/new", QueryParameters.simple(Map.of("dataset",
                Long.toString(identity.versionId()), "val_size", "10", "seed", "7")));
        NewJobView view = (NewJobView) getCurrentView();

        assertThat(view.settings.field("val_size").getValue()).isEqualTo("10");
        assertThat(view.settings.field("seed").getValue()).isEqualTo("7");
        assertThat(view.data.getSelectedItems()).extracting(DatasetSummary::name).containsExactly("identity");
    }

    /** The message the recipe itself refuses these form values with. */
    private static String recipeMessage(Map<String, ?> values) {
        return recipeMessage(values, RecipeSource.FORM);
    }

    private static String recipeMessage(Map<String, ?> values, RecipeSource source) {
        try {
            JobRecipe.read(new LinkedHashMap<>(values), source);
        } catch (RecipeException e) {
            return e.getMessage();
        }
        throw new AssertionError("the recipe takes " + values);
    }

    /** Sets a setting from the server side (also those of a section hidden for the chosen method). */
    @SuppressWarnings("unchecked")
    private static void setSetting(NewJobView view, String key, String value) {
        ((com.vaadin.flow.component.HasValue<?, String>) view.settings.field(key)).setValue(value);
    }

    @Test
    @SuppressWarnings("unchecked")
    void stageDpoShowsItsPreferenceSettingsListsOnlyPreferencePairsAndStoresTheStage() {
        Workspace.preferencePairs(datasets, actor);
        NewJobView view = navigate(NewJobView.class);

        assertThat(view.stage.getListDataView().getItems().toList())
                .isEqualTo(RecipeKeys.field("stage").orElseThrow().choices());
        assertThat(view.stage.getValue()).isEqualTo("sft");
        assertThat(view.settings.shows(Section.PREFERENCE)).isFalse();
        assertThat(view.data.getListDataView().getItems().map(DatasetSummary::name).toList()).containsExactly("identity");

        view.stage.setValue("dpo");

        assertThat(view.settings.shows(Section.PREFERENCE)).isTrue();
        assertThat(view.data.getListDataView().getItems().map(DatasetSummary::name).toList()).containsExactly("pairs");
        fillBasics(view, "dpo-run");
        ((Select<String>) view.settings.field("pref_loss")).setValue("ipo");
        test(view.showYaml).click();
        assertThat(view.yaml.getValue()).contains("stage: dpo", "pref_loss: ipo").doesNotContain("stage: sft");
        view.yamlDialog.close();
        test(view.launch).click();

        JsonNode config = JsonMapper.builder().build().readTree(monitor.list(actor).getFirst().configJson());
        assertThat(config.path("stage").asString()).isEqualTo("dpo");
        assertThat(config.path("pref_loss").asString()).isEqualTo("ipo");
        assertThat(config.path("dataset").asString()).isEqualTo("pairs");

        UI.getCurrent().navigate("jobs/new", QueryParameters.of("clone",
                Long.toString(monitor.list(actor).getFirst().id())));
        NewJobView clone = (NewJobView) getCurrentView();
        assertThat(clone.stage.getValue()).isEqualTo("dpo");
        assertThat(clone.data.getSelectedItems()).extracting(DatasetSummary::name).containsExactly("pairs");
        assertThat(clone.settings.field("pref_loss").getValue()).isEqualTo("ipo");
    }

    @Test
    void aStageWithoutFittingDataSaysWhatItTrainsOn() {
        NewJobView view = navigate(NewJobView.class);

        view.stage.setValue("pt");

        assertThat(view.data.getListDataView().getItems().toList()).isEmpty();
        assertThat(view.data.getHelperText()).startsWith("No valid dataset fits stage pt: it trains on raw text.");
        view.stage.setValue("dpo");
        assertThat(view.data.getHelperText()).contains("it trains on preference pairs (chosen/rejected answers)")
                .contains("export a blind A/B session's ratings on the Evaluate page");
    }

    @Test
    void trainWithTheseRatingsOpensStageDpoOnThePairsContinuingTheRatedJobsAdapter() {
        long pairs = Workspace.preferencePairs(datasets, actor).id();
        NewJobView first = navigate(NewJobView.class);
        fillBasics(first, "sft-run");
        test(first.launch).click();
        long sft = monitor.list(actor).getFirst().id();
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now() where id = ?", sft);
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, 'adapter', ?, "
                + "1, '00')", sft, "jobs/" + sft + "/adapter");

        UI.getCurrent().navigate("jobs/new", QueryParameters.simple(Map.of("stage", "dpo", "dataset",
                Long.toString(pairs), "adapter_from_job", Long.toString(sft))));
        NewJobView view = (NewJobView) getCurrentView();

        assertThat(view.stage.getValue()).isEqualTo("dpo");
        assertThat(view.data.getSelectedItems()).extracting(DatasetSummary::name).containsExactly("pairs");
        assertThat(view.method.getValue()).isEqualTo(FineTuningMethod.LORA);
        assertThat(view.model.getValue()).isNotNull();
        assertThat(view.name.getValue()).isEqualTo("sft-run dpo");
        assertThat(view.adapterText.getText()).startsWith("Continues the LoRA adapter of job #" + sft + " sft-run");
        test(view.launch).click();

        long dpo = monitor.list(actor).getFirst().id();
        assertThat(dpo).isNotEqualTo(sft);
        assertThat(jdbc.queryForObject("select adapter_from_job_id from fine_tuning_jobs where id = ?", Long.class,
                dpo)).isEqualTo(sft);
    }

    @Test
    void stagePpoOffersTheTeamsFinishedRewardModelJobsAndLaunchesWithTheChosenOne() {
        NewJobView first = navigate(NewJobView.class);
        fillBasics(first, "stories-rm");
        test(first.launch).click();
        long rm = monitor.list(actor).stream().filter(j -> j.name().equals("stories-rm")).findFirst().orElseThrow()
                .id();
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now(), "
                + "config = jsonb_set(config, '{stage}', '\"rm\"') where id = ?", rm);
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, 'adapter', ?, "
                + "1, '00')", rm, "jobs/" + rm + "/adapter");

        NewJobView view = navigate(NewJobView.class);
        assertThat(view.rewardModel.isVisible()).as("stage sft has no reward model").isFalse();
        fillBasics(view, "stories-ppo");
        view.stage.setValue("ppo");
        assertThat(view.rewardModel.isVisible()).isTrue();
        assertThat(view.rewardModel.getListDataView().getItems().map(c -> c.jobId()).toList()).containsExactly(rm);
        test(view.launch).click();
        assertThat(view.rewardModel.isInvalid()).as("launched without a reward model").isTrue();
        assertThat(view.rewardModel.getErrorMessage()).contains("stage ppo needs reward_model");
        assertThat(monitor.list(actor)).extracting(JobOverview::name).doesNotContain("stories-ppo");
        assertThat(view.rewardModel.getListDataView().getItem(0).label()).startsWith("#" + rm + " stories-rm (stories-")
                .endsWith(", lora)");
        test(view.rewardModel).selectItem(view.rewardModel.getListDataView().getItem(0).label());
        assertThat(view.rewardModel.isInvalid()).isFalse();
        test(view.launch).click();

        JobOverview ppo = monitor.list(actor).stream().filter(j -> j.name().equals("stories-ppo")).findFirst()
                .orElseThrow();
        JsonNode config = JsonMapper.builder().build().readTree(ppo.configJson());
        assertThat(config.path("stage").asString()).isEqualTo("ppo");
        assertThat(config.path("reward_model").asString()).isEqualTo(Long.toString(rm));
        assertThat(config.path("ppo_epochs").asInt()).as("the ppo settings are shown and sent").isEqualTo(4);
    }

    private void fillBasics(NewJobView view, String name) {
        test(view.name).setValue(name);
        test(view.model).selectItem(view.model.getListDataView().getItem(0).name() + " (LlamaForCausalLM)");
        view.data.setValue(view.data.getListDataView().getItems().toList());
    }
}
