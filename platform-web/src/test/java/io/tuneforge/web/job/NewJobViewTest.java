package io.tuneforge.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.notification.Notification;
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
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
        assertThat(config.path("lora_alpha").asDouble()).isEqualTo(16);
        assertThat(config.path("finetuning_type").asString()).isEqualTo("lora");
        assertThat(config.path("dataset_mix").get(0).path("dataset").asString()).isEqualTo("identity");
        assertThat(getCurrentView()).isInstanceOf(JobView.class);
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

    @Test
    void preflightEstimateShowsMemoryPerDevice() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "estimate");

        test(view.estimate).click();

        assertThat(view.estimateText.getText()).contains("GiB per device", "trainable parameters");
    }

    @Test
    void showAsYamlWritesTheTrainConfigKeys() {
        NewJobView view = navigate(NewJobView.class);
        fillBasics(view, "yaml");

        test(view.showYaml).click();

        assertThat(view.yaml.getValue()).contains("finetuning_type: lora", "learning_rate: 5.0E-5", "lora_rank: 8",
                "dataset: identity", "cutoff_len: 2048", "lr_scheduler_type: cosine");
    }

    @Test
    void importingALlamaFactoryYamlFillsTheFormAndUnknownKeysAreRefused() {
        NewJobView view = navigate(NewJobView.class);
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
        assertThat(view.settings.field("learning_rate").getValue()).isEqualTo("1.0E-4");
        assertThat(view.data.getSelectedItems()).extracting(d -> d.name()).containsExactly("identity");

        view.yaml.setValue("lora_rnak: 4\n");
        view.applyYaml();
        assertThat(view.settings.field("lora_rank").getValue()).as("nothing applied").isEqualTo("16");
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

    private void fillBasics(NewJobView view, String name) {
        test(view.name).setValue(name);
        test(view.model).selectItem(view.model.getListDataView().getItem(0).name() + " (LlamaForCausalLM)");
        view.data.setValue(view.data.getListDataView().getItems().toList());
    }
}
