package io.tuneforge.web.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.vaadin.browserless.SpringBrowserlessTest;
import com.vaadin.flow.component.textfield.TextField;
import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.QueueReset;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.TinyFamilies;
import io.tuneforge.web.testing.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each model family TuneForge loads fine-tunes from the New job page (issue #15): its tiny transformers-made
 * checkpoint is registered, chosen in the form and launched with LoRA; the embedded worker trains it, merges it into
 * a checkpoint of the same architecture and answers the held-out rows with it. The mixtures of experts (Mixtral,
 * Qwen2-MoE, Qwen3-MoE) also log their expert utilisation, which the job page charts.
 */
@SpringBootTest(properties = {"tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu",
        "tuneforge.worker.name=family-new-job"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class FamilyNewJobTest extends SpringBrowserlessTest {

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
    JobService jobs;

    @Autowired
    JdbcTemplate jdbc;

    Actor actor;

    @BeforeEach
    void workspace() {
        actor = SignedIn.as(Role.MEMBER, accounts, teams);
        Workspace.identity(datasets, actor);
        Team team = teams.findById(actor.teamId()).orElseThrow();
        Actor admin = Actor.of(accounts.createUser("family-admin-" + System.nanoTime(), "Family admin", "a-long-password-1",
                Role.ADMIN, team));
        QueueReset.cancelUnfinishedJobs(jdbc, jobs, admin);
    }

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource({"gemma2-tiny, Gemma2ForCausalLM", "gemma3-tiny, Gemma3ForCausalLM", "phi3-tiny, Phi3ForCausalLM",
            "mixtral-tiny, MixtralForCausalLM", "qwen2moe-tiny, Qwen2MoeForCausalLM",
            "qwen3moe-tiny, Qwen3MoeForCausalLM"})
    void aLoraJobOnTheFamilyLaunchedFromNewJobTrainsMergesAndAnswers(String checkpoint, String architecture)
            throws Exception {
        Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "tuneforge-test-models"));
        Path folder = TinyFamilies.model(checkpoint, Files.createTempDirectory(root, checkpoint).resolve("model"));
        String name = checkpoint + "-" + System.nanoTime();
        models.register(actor, name, folder.toString(), false);

        NewJobView view = navigate(NewJobView.class);
        test(view.name).setValue(name + " lora");
        test(view.model).selectItem(name + " (" + architecture + ")");
        view.data.setValue(view.data.getListDataView().getItems().toList());
        @SuppressWarnings("unchecked")
        var template = (com.vaadin.flow.component.select.Select<String>) view.settings.field("template");
        test(template).selectItem("alpaca");
        Map.of("max_steps", "2", "cutoff_len", "96", "per_device_train_batch_size", "2", "predict_samples", "2",
                "predict_max_new_tokens", "4", "logging_steps", "1")
                .forEach((key, value) -> test((TextField) view.settings.field(key)).setValue(value));
        test(view.launch).click();

        JobOverview job = awaitEnd(monitor.list(actor).stream().filter(j -> j.name().equals(name + " lora"))
                .findFirst().orElseThrow().id());
        assertThat(job.status()).as(() -> "job error: " + job.errorMessage().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(monitor.metrics(actor, job.id(), java.util.Optional.of("loss"))).hasSize(2);
        List<ArtifactKind> kinds = monitor.artifacts(actor, job.id()).stream()
                .map(JobMonitorService.ArtifactLine::kind).toList();
        assertThat(kinds).contains(ArtifactKind.ADAPTER, ArtifactKind.MERGED, ArtifactKind.PREDICTIONS);
        Path merged = monitor.artifacts(actor, job.id()).stream().filter(a -> a.kind() == ArtifactKind.MERGED)
                .findFirst().orElseThrow().path();
        assertThat(JsonMapper.builder().build().readTree(Files.readString(merged.resolve("config.json")))
                .path("architectures").get(0).asString()).isEqualTo(architecture);
        if (architecture.contains("Moe") || architecture.startsWith("Mixtral")) {
            expertUtilisationIsLoggedAndCharted(job.id());
        }
    }

    /**
     * A mixture of experts logs each sparse layer's expert load per logging step, and the job page charts it (layer
     * 0 is sparse in every tiny MoE checkpoint).
     */
    private void expertUtilisationIsLoggedAndCharted(long jobId) {
        assertThat(monitor.metrics(actor, jobId, java.util.Optional.of("moe/expert_load/layer_0"))).hasSize(2)
                .allSatisfy(p -> assertThat(p.value()).isBetween(1.0, 4.0)); // 1 = balanced, 4 = one expert of 4
        assertThat(monitor.metrics(actor, jobId, java.util.Optional.of("moe/expert_load/layer_0/expert_0")))
                .hasSize(2);
        com.vaadin.flow.component.UI.getCurrent().navigate("jobs/" + jobId);
        JobView page = (JobView) getCurrentView();
        assertThat(page.expertLoadChart).as("the job page's expert load chart").isNotNull();
        assertThat(page.expertLoadChart.pointCount()).isEqualTo(2);
    }

    /**
     * Flan-T5 (DD036, the engine's flant5-tiny with its own T5-layout character tokenizer): template auto gives it the
     * source → target layout, the job trains LoRA on the encoder-decoder, merges it into a T5ForConditionalGeneration
     * with transformers' keys and answers the held-out rows.
     */
    @org.junit.jupiter.api.Test
    void aFlanT5LoraJobLaunchedFromNewJobTrainsMergesAndAnswers() throws Exception {
        Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "tuneforge-test-models"));
        Path folder = TinyFamilies.model("flant5-tiny", Files.createTempDirectory(root, "flant5").resolve("model"));
        String name = "flant5-tiny-" + System.nanoTime();
        models.register(actor, name, folder.toString(), false);
        assertThat(models.list(actor).stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow()
                .parameterCount()).isEqualTo(45_312L);

        NewJobView view = navigate(NewJobView.class);
        test(view.name).setValue(name + " lora");
        test(view.model).selectItem(name + " (T5ForConditionalGeneration)");
        view.data.setValue(view.data.getListDataView().getItems().toList());
        Map.of("max_steps", "2", "cutoff_len", "96", "per_device_train_batch_size", "2", "predict_samples", "2",
                "predict_max_new_tokens", "4", "logging_steps", "1")
                .forEach((key, value) -> test((TextField) view.settings.field(key)).setValue(value));
        test(view.launch).click();

        JobOverview job = awaitEnd(monitor.list(actor).stream().filter(j -> j.name().equals(name + " lora"))
                .findFirst().orElseThrow().id());
        assertThat(job.status()).as(() -> "job error: " + job.errorMessage().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(monitor.metrics(actor, job.id(), java.util.Optional.of("loss"))).hasSize(2);
        List<ArtifactKind> kinds = monitor.artifacts(actor, job.id()).stream()
                .map(JobMonitorService.ArtifactLine::kind).toList();
        assertThat(kinds).contains(ArtifactKind.ADAPTER, ArtifactKind.MERGED, ArtifactKind.PREDICTIONS);
        Path merged = monitor.artifacts(actor, job.id()).stream().filter(a -> a.kind() == ArtifactKind.MERGED)
                .findFirst().orElseThrow().path();
        assertThat(JsonMapper.builder().build().readTree(Files.readString(merged.resolve("config.json")))
                .path("architectures").get(0).asString()).isEqualTo("T5ForConditionalGeneration");
        Path adapter = monitor.artifacts(actor, job.id()).stream().filter(a -> a.kind() == ArtifactKind.ADAPTER)
                .findFirst().orElseThrow().path();
        assertThat(Files.readString(adapter.resolve("adapter_config.json"))).contains("SEQ_2_SEQ_LM");
    }

    private JobOverview awaitEnd(long jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            JobOverview job = monitor.get(actor, jobId);
            if (List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED).contains(job.status())) {
                return job;
            }
            assertThat(System.nanoTime()).as("job %d still %s after 5 minutes", jobId, job.status())
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
