package io.tuneforge.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one way jobs are created (the new-job form and the REST API both call it): what it checks, what it stores,
 * and that a refused submission stores nothing.
 */
@SpringBootTest(properties = "tuneforge.queue.reaper.enabled=false")
class JobSubmissionServiceTest {

    private static final Map<String, Object> LORA = Map.of("per_device_train_batch_size", 2, "cutoff_len", 128,
            "lora_rank", 8);

    @Autowired
    JobSubmissionService submissions;

    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path modelDir;

    JobFixtures fixtures;
    TeamSetup team;
    Actor member;

    @BeforeEach
    void setUp() throws IOException {
        fixtures = new JobFixtures(jdbc);
        team = fixtures.quietQueueWithTeam(modelDir);
        member = team.as(Role.MEMBER);
    }

    @Test
    void submittedJobIsQueuedWithItsEstimateEventsAndPlace() {
        JobOverview first = submissions.submit(member, submission("first"));
        JobOverview second = submissions.submit(member, submission("second"));

        assertThat(first.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(first.placeInQueue()).hasValue(1);
        assertThat(second.placeInQueue()).hasValue(2);
        assertThat(first.requiredMemoryBytes()).isPositive();
        assertThat(fixtures.eventTypes(first.id())).containsExactly("JOB_PENDING", "JOB_QUEUED");
    }

    @Test
    void storedConfigurationCarriesWhatTheWorkerReads() {
        JobOverview job = submissions.submit(member, submission("stored"));

        JsonNode config = JsonMapper.builder().build().readTree(job.configJson());
        assertThat(config.path("lora_rank").asInt()).isEqualTo(8);
        assertThat(config.path("finetuning_type").asString()).isEqualTo("lora");
        assertThat(config.path("model_name_or_path").asString()).isEqualTo(modelDir.toString());
        assertThat(config.path("dataset").asString()).isEqualTo("data-" + team.suffix());
        assertThat(config.path("dataset_mix").get(0).path("dataset_version_id").asLong())
                .isEqualTo(team.datasetVersionId());
        assertThat(config.path("dataset_mix").get(0).path("ratio").asDouble()).isEqualTo(1.0);
    }

    @Test
    void aMembersPriorityAboveZeroIsRefusedAndNothingIsStored() {
        assertThatThrownBy(() -> submissions.submit(member, submission("urgent").withPriority(10)))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("Only administrators may give a job a priority above 0");

        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void anAdministratorMayQueueAtPriority10() {
        JobOverview job = submissions.submit(team.as(Role.ADMIN), submission("urgent").withPriority(10));

        assertThat(job.priority()).isEqualTo(10);
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void aPredictionRunIsTheClisNotAJob() {
        Map<String, Object> predict = new java.util.HashMap<>(LORA);
        predict.put("do_predict", true);
        predict.put("predict_with_generate", true);
        JobSubmission submission = JobSubmission.of("predict", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.LORA, predict);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("do_predict");
                    assertThat(e.getMessage()).contains("train --config");
                });
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void aViewerCannotSubmit() {
        assertThatThrownBy(() -> submissions.submit(team.as(Role.VIEWER), submission("look only")))
                .isInstanceOf(AccessRefusedException.class);

        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void anotherTeamsDatasetOrModelIsRefusedAsAbsent() {
        TeamSetup other = fixtures.team(1, modelDir.toString());

        assertThatThrownBy(() -> submissions.submit(member, JobSubmission.of("theirs", team.modelId(),
                other.datasetVersionId(), FineTuningMethod.LORA, LORA)))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("belongs to another team");
        assertThatThrownBy(() -> submissions.submit(member, JobSubmission.of("theirs", other.modelId(),
                team.datasetVersionId(), FineTuningMethod.LORA, LORA)))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("belongs to another team");
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void aDatasetThatIsNotValidIsRefused() {
        jdbc.update("update dataset_versions set status = 'invalid' where id = ?", team.datasetVersionId());

        assertThatThrownBy(() -> submissions.submit(member, submission("bad data")))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("is invalid")
                .hasMessageContaining("validation report");
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void stageDpoRefusesADatasetWithoutChosenAndRejectedNamingTheField() {
        Map<String, Object> dpo = new java.util.HashMap<>(LORA);
        dpo.put("stage", "dpo");
        JobSubmission submission = JobSubmission.of("dpo", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.LORA, dpo);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("dataset");
                    assertThat(e.getMessage()).contains("chosen/rejected").contains("stage dpo");
                });
        assertThat(jobsOfTeam()).isZero();

        jdbc.update("update dataset_versions set format = 'preference' where id = ?", team.datasetVersionId());
        assertThat(submissions.submit(member, submission).status()).isEqualTo(JobStatus.QUEUED);
        assertThatThrownBy(() -> submissions.submit(member, submission("pairs for sft")))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class,
                        e -> assertThat(e.getMessage()).contains("holds preference pairs"));
    }

    @Test
    void aClassificationHeadRefusesADatasetWithoutLabelsNamingTheField() {
        Map<String, Object> head = new java.util.HashMap<>(LORA);
        head.put("task_type", "seq_cls");
        JobSubmission submission = JobSubmission.of("head", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.LORA, head);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("dataset");
                    assertThat(e.getMessage()).contains("task_type seq_cls").contains("classification dataset");
                });
        assertThat(jobsOfTeam()).isZero();

        jdbc.update("update dataset_versions set format = 'classification' where id = ?", team.datasetVersionId());
        assertThat(submissions.submit(member, submission).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void stageKtoRefusesADatasetWithoutAKtoTagColumnNamingTheField() {
        Map<String, Object> kto = new java.util.HashMap<>(LORA);
        kto.put("stage", "kto");
        kto.put("kto_rejected_weight", 1.33);
        JobSubmission submission = JobSubmission.of("kto", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.LORA, kto);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("dataset");
                    assertThat(e.getMessage()).contains("no kto_tag column").contains("stage kto");
                });
        assertThat(jobsOfTeam()).isZero();

        jdbc.update("update dataset_versions set column_mapping = cast(? as jsonb) where id = ?",
                "{\"columns\": {\"kto_tag\": \"label\"}, \"tags\": {}}", team.datasetVersionId());
        assertThat(submissions.submit(member, submission).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void stagePpoWithoutRewardModelIsRefusedNamingIt() {
        assertRefusedNamingRewardModel(ppo(null), "stage ppo needs reward_model");
        assertRefusedNamingRewardModel(ppo("  "), "stage ppo needs reward_model");
    }

    @Test
    void stagePpoTakesAFinishedRewardModelJobByIdOrNameAndStoresItsId() {
        long rm = finishedJob("my reward model", "rm", "succeeded", team.modelId());

        JobOverview byName = submissions.submit(member, ppo("my reward model"));
        JobOverview byId = submissions.submit(member, ppo(Long.toString(rm)));
        JobOverview byHash = submissions.submit(member, ppo("#" + rm));

        for (JobOverview job : List.of(byName, byId, byHash)) {
            assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
            assertThat(JsonMapper.builder().build().readTree(job.configJson()).path("reward_model").asString())
                    .isEqualTo(Long.toString(rm));
        }
        assertThat(jdbc.queryForList("select message from job_events where job_id = ?", String.class, byName.id()))
                .anyMatch(m -> m.contains("reward model of job " + rm + " (my reward model)"));
    }

    @Test
    void stagePpoRefusesARewardModelThatIsNotAFinishedStageRmJobOfTheSameTokenizer(@TempDir Path otherModel)
            throws IOException {
        long sft = finishedJob("an sft job", "sft", "succeeded", team.modelId());
        long running = finishedJob("a running rm", "rm", "running", team.modelId());
        java.nio.file.Files.writeString(modelDir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0}}}");
        java.nio.file.Files.writeString(otherModel.resolve("config.json"), JobFixtures.SMALL_CONFIG);
        java.nio.file.Files.writeString(otherModel.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"b\": 0}}}");
        long otherBase = jdbc.queryForObject("insert into base_models (team_id, name, path, architecture, "
                + "parameter_count, dtype) values (?, ?, ?, 'LlamaForCausalLM', 260000, 'float32') returning id",
                Long.class, team.teamId(), "other-" + team.suffix(), otherModel.toString());
        long otherTokenizer = finishedJob("rm of another model", "rm", "succeeded", otherBase);
        TeamSetup stranger = fixtures.team(1, modelDir.toString());
        long strangers = jdbc.queryForObject("insert into fine_tuning_jobs (team_id, user_id, base_model_id, "
                + "dataset_version_id, name, method, config, status, priority, devices_requested, finished_at) "
                + "values (?, ?, ?, ?, 'theirs', 'lora', '{\"stage\": \"rm\"}'::jsonb, 'succeeded', 0, 1, now()) "
                + "returning id", Long.class, stranger.teamId(), stranger.userId(), stranger.modelId(),
                stranger.datasetVersionId());

        assertRefusedNamingRewardModel(ppo(Long.toString(sft)), "trained stage sft, not rm");
        assertRefusedNamingRewardModel(ppo("a running rm"), "is running: only a succeeded reward-model job");
        assertRefusedNamingRewardModel(ppo(Long.toString(otherTokenizer)), "whose tokenizer differs");
        assertRefusedNamingRewardModel(ppo(Long.toString(strangers)), "does not exist or belongs to another team");
        assertRefusedNamingRewardModel(ppo("no such job"), "no job of your team is named 'no such job'");
        assertThat(jdbc.queryForObject("select count(*) from fine_tuning_jobs where team_id = ? and name = 'ppo'",
                Long.class, team.teamId())).as("nothing stored").isZero();
    }

    @Test
    void stagePpoTrainsALoraPolicy() {
        long rm = finishedJob("rm", "rm", "succeeded", team.modelId());
        Map<String, Object> full = new java.util.HashMap<>(ppo(Long.toString(rm)).configuration());
        full.remove("lora_rank");
        JobSubmission submission = JobSubmission.of("ppo full", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.FULL, full);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class,
                        e -> assertThat(e.key()).isEqualTo("finetuning_type"));
    }

    @Test
    void thePpoEstimateCountsTheRewardModelAndTheValueHead() {
        long rm = finishedJob("rm", "rm", "succeeded", team.modelId());
        Map<String, Object> sft = new java.util.HashMap<>(ppo(Long.toString(rm)).configuration());
        sft.remove("stage");
        sft.remove("reward_model");

        ResourceEstimate ppo = submissions.estimate(member, ppo(Long.toString(rm))).orElseThrow();
        ResourceEstimate plain = submissions.estimate(member, JobSubmission.of("sft", team.modelId(),
                team.datasetVersionId(), FineTuningMethod.LORA, sft)).orElseThrow();

        assertThat(ppo.rewardModelBytes()).as("the reward model's own base copy, adapter and value head")
                .isGreaterThan(ppo.weightsBytes() - ppo.trainableParams() * 4);
        assertThat(ppo.referenceBytes()).as("the reference is the policy with its adapter off").isZero();
        assertThat(ppo.trainableParams() - plain.trainableParams()).as("the value head: hidden_size + 1")
                .isEqualTo(64 + 1);
        assertThat(ppo.totalBytes()).isGreaterThan(plain.totalBytes() + ppo.rewardModelBytes());
    }

    /** A stage ppo submission (LoRA) on the team's dataset with this reward_model. */
    private JobSubmission ppo(String rewardModel) {
        Map<String, Object> ppo = new java.util.HashMap<>(LORA);
        ppo.put("stage", "ppo");
        ppo.put("ppo_epochs", 2);
        if (rewardModel != null) {
            ppo.put("reward_model", rewardModel);
        }
        return JobSubmission.of("ppo", team.modelId(), team.datasetVersionId(), FineTuningMethod.LORA, ppo);
    }

    /** A job of the team with this stage and status, with a stored adapter (as a finished LoRA job has). */
    private long finishedJob(String name, String stage, String status, long baseModelId) {
        long id = jdbc.queryForObject("insert into fine_tuning_jobs (team_id, user_id, base_model_id, "
                + "dataset_version_id, name, method, config, status, priority, devices_requested, finished_at) "
                + "values (?, ?, ?, ?, ?, 'lora', cast(? as jsonb), ?, 0, 1, now()) returning id", Long.class,
                team.teamId(), team.userId(), baseModelId, team.datasetVersionId(), name,
                "{\"stage\": \"" + stage + "\", \"lora_rank\": 4}", status);
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, 'adapter', ?, "
                + "1, '00')", id, "jobs/" + id + "/adapter");
        return id;
    }

    private void assertRefusedNamingRewardModel(JobSubmission submission, String message) {
        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("reward_model");
                    assertThat(e.getMessage()).contains(message);
                });
    }

    @Test
    void aMixWithAZeroRatioOrNoDatasetIsRefused() {
        JobSubmission zero = new JobSubmission("zero", team.modelId(),
                List.of(new JobSubmission.DatasetShare(team.datasetVersionId(), 0)), FineTuningMethod.LORA, LORA, 0,
                1, Optional.empty());
        JobSubmission none = new JobSubmission("none", team.modelId(), List.of(), FineTuningMethod.LORA, LORA, 0, 1,
                Optional.empty());

        assertThatThrownBy(() -> submissions.submit(member, zero)).isInstanceOf(JobRefusedException.class)
                .hasMessageContaining("mixing ratio");
        assertThatThrownBy(() -> submissions.submit(member, none)).isInstanceOf(JobRefusedException.class)
                .hasMessageContaining("at least one dataset");
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void aNameMustHaveOneTo200Characters() {
        assertThatThrownBy(() -> submissions.submit(member, submission("  ")))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("1 to 200 characters");
        assertThatThrownBy(() -> submissions.submit(member, submission("x".repeat(201))))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("1 to 200 characters");
        assertThat(submissions.submit(member, submission("x".repeat(200))).name()).hasSize(200);
    }

    @Test
    void devicesMustBeAtLeastOne() {
        JobSubmission noDevice = new JobSubmission("no device", team.modelId(),
                List.of(new JobSubmission.DatasetShare(team.datasetVersionId(), 1)), FineTuningMethod.LORA, LORA, 0,
                0, Optional.empty());

        assertThatThrownBy(() -> submissions.submit(member, noDevice)).isInstanceOf(JobRefusedException.class)
                .hasMessageContaining("devices must be at least 1");
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void jobThatFitsNoRegisteredDeviceIsRefusedWithTheReason() {
        fixtures.worker("tiny-worker", 1L << 20);

        assertThatThrownBy(() -> submissions.submit(member, JobSubmission.of("big", team.modelId(),
                team.datasetVersionId(), FineTuningMethod.FULL,
                Map.of("per_device_train_batch_size", 64, "cutoff_len", 8192))))
                .isInstanceOf(JobRefusedException.class)
                .hasMessageContaining("largest registered device")
                .hasMessageContaining("cutoff_len");
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void bf16IsRefusedNamingTheKeyWhenNoRegisteredDeviceComputesItAndQueuedOnceOneDoes() {
        fixtures.worker("fp32-only-worker", 1L << 40, false);
        Map<String, Object> bf16 = new java.util.HashMap<>(LORA);
        bf16.put("bf16", true);
        JobSubmission submission = JobSubmission.of("bf16", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.LORA, bf16);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("bf16");
                    assertThat(e.getMessage()).contains("no registered worker device computes bf16")
                            .contains("CPU").contains("train in fp32");
                });
        assertThat(jobsOfTeam()).isZero();

        fixtures.worker("bf16-worker", 1L << 40, true);
        assertThat(submissions.submit(member, submission).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void pureBf16IsRefusedNamingItsKeyWhenNoRegisteredDeviceComputesBf16() {
        fixtures.worker("fp32-only-worker", 1L << 40, false);
        Map<String, Object> pure = new java.util.HashMap<>(LORA);
        pure.put("pure_bf16", true);
        JobSubmission submission = JobSubmission.of("pure", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.LORA, pure);

        assertThatThrownBy(() -> submissions.submit(member, submission))
                .isInstanceOfSatisfying(io.tuneforge.shared.recipe.RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("pure_bf16");
                    assertThat(e.getMessage()).contains("no registered worker device computes bf16");
                });
        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void aSweepQueuesOneJobPerGridPointInOneGroup() {
        List<JobOverview> sweep = submissions.submitSweep(member, submission("sweep"),
                new SweepGrid(List.of(1e-4, 2e-4), List.of(4, 8), List.of(1.0)));

        assertThat(sweep).hasSize(4);
        assertThat(sweep).extracting(j -> j.sweepGroup().orElseThrow()).containsOnly(sweep.getFirst().sweepGroup().get());
        assertThat(sweep).extracting(JobOverview::name).containsExactly("sweep lr=1.0E-4 r=4 ep=1.0",
                "sweep lr=1.0E-4 r=8 ep=1.0", "sweep lr=2.0E-4 r=4 ep=1.0", "sweep lr=2.0E-4 r=8 ep=1.0");
    }

    @Test
    void aRefusedSweepQueuesNoneOfItsJobs() {
        assertThatThrownBy(() -> submissions.submitSweep(member, submission("sweep").withPriority(3),
                new SweepGrid(List.of(1e-4, 2e-4), List.of(), List.of(1.0))))
                .isInstanceOf(AccessRefusedException.class);
        assertThatThrownBy(() -> submissions.submitSweep(member, submission("sweep"),
                new SweepGrid(List.of(), List.of(), List.of(1.0))))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("grid is empty");

        assertThat(jobsOfTeam()).isZero();
    }

    @Test
    void theEstimateNeedsNoNameAndRefusesWhatSubmitRefuses() {
        assertThat(submissions.estimate(member, submission(""))).hasValueSatisfying(
                e -> assertThat(e.totalBytes()).isPositive());

        jdbc.update("update dataset_versions set status = 'invalid' where id = ?", team.datasetVersionId());
        assertThatThrownBy(() -> submissions.estimate(member, submission(""))).isInstanceOf(JobRefusedException.class);
    }

    @Test
    void aJobMayContinueTheAdapterOfASucceededLoraJobOfTheSameModel() {
        long sft = submissions.submit(member, submission("sft")).id();
        succeedWithAdapter(sft);

        JobOverview dpo = submissions.submit(member, submission("dpo").continuingAdapterOf(sft));

        assertThat(jdbc.queryForObject("select adapter_from_job_id from fine_tuning_jobs where id = ?", Long.class,
                dpo.id())).isEqualTo(sft);
        assertThat(jdbc.queryForList("select message from job_events where job_id = ?", String.class, dpo.id()))
                .contains("Continues the LoRA adapter of job " + sft + " (sft)");
    }

    @Test
    void continuingAnAdapterIsRefusedUnlessTheJobSucceededWithOneForTheSameModelAndMethodLora() {
        long queued = submissions.submit(member, submission("waiting")).id();
        assertThatThrownBy(() -> submissions.submit(member, submission("next").continuingAdapterOf(queued)))
                .isInstanceOf(JobRefusedException.class)
                .hasMessage("adapter_from_job: job " + queued + " (waiting) is queued: only a succeeded job's adapter "
                        + "can be trained further");

        long noAdapter = submissions.submit(member, submission("merged only")).id();
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now() where id = ?", noAdapter);
        assertThatThrownBy(() -> submissions.submit(member, submission("next").continuingAdapterOf(noAdapter)))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("has no LoRA adapter");

        long sft = submissions.submit(member, submission("sft")).id();
        succeedWithAdapter(sft);
        JobSubmission full = JobSubmission.of("full", team.modelId(), team.datasetVersionId(),
                FineTuningMethod.FULL, Map.of("cutoff_len", 128)).continuingAdapterOf(sft);
        assertThatThrownBy(() -> submissions.submit(member, full)).isInstanceOf(JobRefusedException.class)
                .hasMessageContaining("continuing an adapter needs method lora, not full");
        assertThatThrownBy(() -> submissions.submit(member, submission("next").continuingAdapterOf(999_999_999L)))
                .isInstanceOf(JobRefusedException.class).hasMessageContaining("does not exist or belongs to another team");
        assertThat(jdbc.queryForObject("select count(*) from fine_tuning_jobs where team_id = ? "
                + "and adapter_from_job_id is not null", Long.class, team.teamId())).isZero();
    }

    /** Marks a job succeeded with an adapter artifact, as its worker leaves it. */
    private void succeedWithAdapter(long jobId) {
        jdbc.update("update fine_tuning_jobs set status = 'succeeded', finished_at = now() where id = ?", jobId);
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, 'adapter', ?, 1, "
                + "'00')", jobId, "jobs/" + jobId + "/adapter");
    }

    private JobSubmission submission(String name) {
        return JobSubmission.of(name, team.modelId(), team.datasetVersionId(), FineTuningMethod.LORA, LORA);
    }

    private long jobsOfTeam() {
        return jdbc.queryForObject("select count(*) from fine_tuning_jobs where team_id = ?", Long.class,
                team.teamId());
    }
}
