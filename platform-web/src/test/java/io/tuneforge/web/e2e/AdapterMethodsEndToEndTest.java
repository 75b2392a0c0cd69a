package io.tuneforge.web.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.FineTuningMethod;
import io.tuneforge.core.job.JobMonitorService;
import io.tuneforge.core.job.JobOverview;
import io.tuneforge.core.job.JobService;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.job.JobSubmission;
import io.tuneforge.core.job.JobSubmissionService;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.trainer.playground.ChatListener;
import io.tuneforge.trainer.playground.ChatReply;
import io.tuneforge.trainer.playground.ChatSettings;
import io.tuneforge.trainer.playground.ModelChoice;
import io.tuneforge.trainer.playground.PlaygroundService;
import io.tuneforge.web.testing.QueueReset;
import io.tuneforge.web.testing.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Prefix tuning and bottleneck adapters end to end without a browser: each job is submitted through the submission
 * service (the path New job and REST share), trained on stories260K by the embedded worker, stores its adapter with
 * no merged model or GGUF (and says why), and then answers in the playground with the adapter beside the base.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tuneforge.worker.embedded=true", "tuneforge.worker.devices=cpu", "tuneforge.worker.name=e2e-adapters"})
@DirtiesContext // the embedded worker of this context must not outlive the test and take other tests' jobs
class AdapterMethodsEndToEndTest {

    /** A short run that also asks for held-out predictions and a GGUF (which these methods cannot give). */
    private static final Map<String, Object> SHORT_RUN = Map.of("template", "alpaca", "cutoff_len", 48,
            "max_steps", 4, "per_device_train_batch_size", 2, "learning_rate", 0.02, "save_steps", 0,
            "eval_steps", 0, "max_samples", 12, "val_size", 3, "predict_samples", 2);

    @Autowired
    UserAccountService accounts;
    @Autowired
    TeamRepository teams;
    @Autowired
    BaseModelService models;
    @Autowired
    DatasetService datasets;
    @Autowired
    JobService jobs;
    @Autowired
    JobSubmissionService submissions;
    @Autowired
    JobMonitorService monitor;
    @Autowired
    PlaygroundService playground;
    @Autowired
    JdbcTemplate jdbc;

    Actor actor;
    BaseModelSummary stories;
    VersionDetails identity;

    @BeforeEach
    void workspace() {
        Workspace.fixture("models/stories260K");
        String name = "e2e-ad-" + UUID.randomUUID().toString().substring(0, 6);
        Team team = teams.save(new Team("e2e-team-" + name, 1));
        actor = Actor.of(accounts.createUser(name, "E2E adapters", "secret-password-1", Role.MEMBER, team));
        Actor admin = Actor.of(accounts.createUser(name + "-admin", "E2E admin", "secret-password-1", Role.ADMIN,
                team));
        QueueReset.cancelUnfinishedJobs(jdbc, jobs, admin);
        stories = Workspace.stories(models, actor);
        identity = Workspace.identity(datasets, actor);
    }

    @Test
    void aPrefixTuningJobTrainsKeepsItsPeftAdapterBesideTheBaseAndChats() throws Exception {
        long job = trainToTheEnd("prefix-e2e", FineTuningMethod.PREFIX, Map.of("finetuning_type", "prefix",
                "num_virtual_tokens", 4, "prefix_projection", true, "export_gguf", "q8_0"));

        assertStoredBesideTheBase(job, "PREFIX_TUNING", "prefix-tuning adapter cannot be merged");
        assertThat(chat(job)).isNotBlank();
    }

    @Test
    void aBottleneckAdapterJobTrainsKeepsItsAdapterBesideTheBaseAndChats() throws Exception {
        long job = trainToTheEnd("adapter-e2e", FineTuningMethod.ADAPTER, Map.of("finetuning_type", "adapter",
                "adapter_placement", "houlsby", "adapter_reduction_factor", 4, "adapter_non_linearity", "swish",
                "export_gguf", "q8_0"));

        assertStoredBesideTheBase(job, "BOTTLENECK_ADAPTER", "bottleneck adapters cannot be merged");
        assertThat(chat(job)).isNotBlank();
    }

    private long trainToTheEnd(String name, FineTuningMethod method, Map<String, Object> settings)
            throws InterruptedException {
        Map<String, Object> configuration = new java.util.LinkedHashMap<>(SHORT_RUN);
        configuration.putAll(settings);
        JobOverview submitted = submissions.submit(actor, JobSubmission.of(name, stories.id(), identity.id(), method,
                configuration));
        assertThat(submitted.method()).isEqualTo(method);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(8));
        JobOverview job = submitted;
        while (!job.status().isTerminal() && Instant.now().isBefore(deadline)) {
            Thread.sleep(500);
            job = monitor.get(actor, submitted.id());
        }
        assertThat(job.status()).as("%s: %s", name, job.errorMessage().orElse("")).isEqualTo(JobStatus.SUCCEEDED);
        return job.id();
    }

    private void assertStoredBesideTheBase(long job, String peftType, String reason) throws Exception {
        assertThat(jdbc.queryForList("select kind from artifacts where job_id = ?", String.class, job))
                .containsExactlyInAnyOrder("adapter", "predictions");
        Path adapter = monitor.tunedModel(actor, job).path();
        assertThat(Files.readString(adapter.resolve("adapter_config.json"))).contains(peftType);
        List<String> messages = jdbc.queryForList("select message from job_events where job_id = ? order by id",
                String.class, job);
        assertThat(messages).anyMatch(m -> m.startsWith("No merged model: ") && m.contains(reason)
                && m.contains("beside the base model"));
        assertThat(messages).anyMatch(m -> m.startsWith("GGUF export skipped") && m.contains(reason));
    }

    /** The tuned model's greedy answer to one message in the playground. */
    private String chat(long job) throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        playground.start(actor, new ModelChoice.Tuned(job), ChatSettings.greedy(8), List.of(), "Who are you?",
                new ChatListener() {
                    @Override
                    public void onText(String piece) {
                    }

                    @Override
                    public void onFinished(ChatReply reply) {
                        answer.complete(reply.text());
                    }

                    @Override
                    public void onFailed(String message) {
                        answer.completeExceptionally(new AssertionError(message));
                    }
                });
        return answer.get(2, TimeUnit.MINUTES);
    }
}
