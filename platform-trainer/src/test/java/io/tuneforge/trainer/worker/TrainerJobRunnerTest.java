package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Queued jobs on the real stories260K model and LLaMA-Factory's demo data, trained by a worker with the production
 * runner: what a finished job stores (adapter, merged model, held-out predictions, GGUF when asked).
 */
@SpringBootTest(classes = WorkerTestApplication.class, properties = "tuneforge.queue.reaper.interval=1s")
class TrainerJobRunnerTest {

    @Autowired
    TestWorkers testWorkers;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    PlatformHome home;

    @TempDir
    Path artifacts;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JobFixtures fixtures;

    @BeforeEach
    void fixtures() {
        fixtures = new JobFixtures(jdbc);
    }

    @Test
    void workerTrainsAQueuedLoraJobWithTheRealTrainer() throws Exception {
        Path data = Fixtures.path("datasets/llama_factory/alpaca_en_demo.json");
        long job = runJob(data, "lora", """
                {"template": "alpaca", "cutoff_len": 64, "max_steps": 6, "per_device_train_batch_size": 2,
                 "learning_rate": 0.001, "lora_rank": 4, "lora_target": "q_proj,v_proj", "logging_steps": 1,
                 "save_steps": 3, "eval_steps": 0, "max_samples": 40, "val_size": 4, "predict_samples": 2,
                 "predict_max_new_tokens": 4}""");

        assertThat(jdbc.queryForList("select step from training_metrics where job_id = ? and name = 'loss' "
                + "order by step", Integer.class, job))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 6).boxed().toList());
        assertThat(jdbc.queryForList("select distinct name from training_metrics where job_id = ? and step = 1",
                String.class, job)).containsExactlyInAnyOrder("loss", "lr", "grad_norm", "throughput");
        assertThat(jdbc.queryForList("select step from checkpoints where job_id = ? order by step", Integer.class,
                job)).contains(3, 6);
        assertThat(Files.isRegularFile(artifact(job, "adapter").resolve("adapter_model.safetensors"))).isTrue();
        assertThat(artifactKinds(job)).containsExactlyInAnyOrder("adapter", "merged", "predictions");
        assertThat(predictionRows(job)).hasSize(2);
        assertThat(fixtures.eventTypes(job)).containsSubsequence("JOB_START", "MESSAGE", "CHECKPOINT_SAVE",
                "ARTIFACT_SAVED", "TRAINING_COMPLETE");
    }

    @Test
    void workerTrainsAStageDpoJobOnPreferencePairsAndRecordsTheRewardMetrics() throws Exception {
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        jdbc.update("update dataset_versions set format = 'preference' where id = ?", team.datasetVersionId());
        addFile(team.datasetVersionId(), Fixtures.path("datasets/llama_factory/dpo_en_demo.json"));
        long job = fixtures.queuedJob(team, "stories dpo", 0, 1, """
                {"stage": "dpo", "pref_loss": "sigmoid", "pref_beta": 0.1, "cutoff_len": 64, "max_steps": 3,
                 "per_device_train_batch_size": 2, "learning_rate": 0.001, "lora_rank": 4,
                 "lora_target": "q_proj,v_proj", "logging_steps": 1, "save_steps": 3, "eval_steps": 0,
                 "max_samples": 8, "val_size": 2, "predict_samples": 0}""");
        jdbc.update("update fine_tuning_jobs set method = 'lora' where id = ?", job);
        runQueued(job, "succeeded");

        assertThat(jdbc.queryForList("select distinct name from training_metrics where job_id = ? and step = 1",
                String.class, job)).contains("loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies",
                "rewards/margins", "logps/chosen", "logps/rejected");
        assertThat(Files.isRegularFile(artifact(job, "adapter").resolve("adapter_model.safetensors"))).isTrue();
    }

    @Test
    void aJobContinuingAnotherJobsAdapterStartsFromItsWeightsNotFromTheBase() throws Exception {
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        jdbc.update("update dataset_versions set format = 'preference' where id = ?", team.datasetVersionId());
        addFile(team.datasetVersionId(), Fixtures.path("datasets/llama_factory/dpo_en_demo.json"));
        String dpo = """
                {"stage": "dpo", "pref_loss": "sigmoid", "pref_beta": 0.1, "cutoff_len": 64, "max_steps": 2,
                 "per_device_train_batch_size": 2, "learning_rate": 0.01, "lora_rank": 4,
                 "lora_target": "q_proj,v_proj", "logging_steps": 1, "save_steps": 2, "eval_steps": 0,
                 "max_samples": 8, "val_size": 2, "predict_samples": 0}""";
        long first = fixtures.queuedJob(team, "first dpo", 0, 1, dpo);
        jdbc.update("update fine_tuning_jobs set method = 'lora' where id = ?", first);
        runQueued(first, "succeeded");
        long next = fixtures.queuedJob(team, "dpo continuing it", 0, 1, dpo);
        jdbc.update("update fine_tuning_jobs set method = 'lora', adapter_from_job_id = ? where id = ?", first, next);
        runQueued(next, "succeeded");

        // a new adapter starts with B = 0: policy = reference, so the first step's implicit reward is exactly 0
        assertThat(firstStep(first, "rewards/chosen")).isZero();
        assertThat(firstStep(next, "rewards/chosen")).as("the continued adapter already moved the policy")
                .isNotZero();
        assertThat(jdbc.queryForList("select message from job_events where job_id = ?", String.class, next))
                .anyMatch(m -> m.startsWith("Continuing the LoRA adapter"));
    }

    private double firstStep(long job, String metric) {
        return jdbc.queryForObject("select value from training_metrics where job_id = ? and name = ? and step = 1",
                Double.class, job, metric);
    }

    @Test
    void workerTrainsAStageRmJobWhoseAdapterArtifactHoldsTheValueHead() throws Exception {
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        jdbc.update("update dataset_versions set format = 'preference' where id = ?", team.datasetVersionId());
        addFile(team.datasetVersionId(), Fixtures.path("datasets/llama_factory/dpo_en_demo.json"));
        long job = fixtures.queuedJob(team, "stories rm", 0, 1, """
                {"stage": "rm", "cutoff_len": 64, "max_steps": 2, "per_device_train_batch_size": 2,
                 "learning_rate": 0.001, "lora_rank": 4, "lora_target": "q_proj,v_proj", "logging_steps": 1,
                 "save_steps": 2, "eval_steps": 0, "max_samples": 6, "val_size": 2, "predict_samples": 0}""");
        jdbc.update("update fine_tuning_jobs set method = 'lora' where id = ?", job);
        runQueued(job, "succeeded");

        assertThat(jdbc.queryForList("select distinct name from training_metrics where job_id = ? and step = 1",
                String.class, job)).contains("loss", "rewards/accuracies", "rewards/margins");
        assertThat(artifact(job, "adapter").resolve("value_head.safetensors")).isRegularFile();
    }

    @Test
    void aClassificationHeadJobScoresItsHeldOutRowsAndMergesIntoASequenceClassifier(@TempDir Path dir)
            throws Exception {
        long job = classificationJob(dir, "lora", """
                {"task_type": "seq_cls", "cutoff_len": 32, "max_steps": 20, "per_device_train_batch_size": 8,
                 "learning_rate": 0.01, "lr_scheduler_type": "constant", "lora_rank": 8, "logging_steps": 1,
                 "save_steps": 0, "eval_steps": 0, "val_size": 6}""");
        runQueued(job, "succeeded");

        int finalStep = 20;
        Map<String, Double> metrics = new java.util.HashMap<>();
        jdbc.query("select name, value from training_metrics where job_id = ? and step = ? and name like 'predict_%'",
                rs -> { metrics.put(rs.getString(1), rs.getDouble(2)); }, job, finalStep);
        assertThat(metrics).containsOnlyKeys("predict_accuracy_tuned", "predict_macro_f1_tuned",
                "predict_auc_roc_tuned");
        assertThat(metrics.get("predict_accuracy_tuned")).isGreaterThanOrEqualTo(0.8);
        List<JsonNode> predictions = predictionRows(job);
        assertThat(predictions).hasSize(6).allSatisfy(row -> {
            assertThat(row.path("label").asString()).isIn("animal", "person");
            assertThat(row.path("tuned").asString()).isIn("animal", "person");
            assertThat(row.path("base").asString()).isEmpty();
        });
        JsonNode merged = JSON.readTree(artifact(job, "merged").resolve("config.json").toFile());
        assertThat(merged.path("architectures").get(0).asString()).isEqualTo("LlamaForSequenceClassification");
        assertThat(merged.path("id2label").toString()).isEqualTo("{\"0\":\"animal\",\"1\":\"person\"}");
        assertThat(artifact(job, "adapter").resolve("classification_head.json")).isRegularFile();
        assertThat(jdbc.queryForList("select message from job_events where job_id = ? order by id", String.class, job))
                .anyMatch(m -> m.startsWith("Encoded 18 training and 6 validation rows for a classification head "
                        + "over 2 labels [animal, person]"))
                .anyMatch(m -> m.startsWith("Classification head on 6 held-out rows: accuracy"));
    }

    /** A queued classification job on animal/person rows (24 rows: 18 train, 6 held out). */
    private long classificationJob(Path dir, String method, String config) throws Exception {
        Path data = dir.resolve("who.jsonl");
        StringBuilder rows = new StringBuilder();
        String[] animals = {"dog", "cat", "bird", "fish", "frog", "bunny"};
        String[] people = {"girl", "boy", "mom", "dad", "man", "lady"};
        for (int i = 0; i < animals.length; i++) {
            for (String sentence : List.of("The %s ran to the park.", "A little %s was happy.")) {
                rows.append("{\"text\": \"").append(sentence.formatted(animals[i])).append("\", \"label\": \"animal\"}\n");
                rows.append("{\"text\": \"").append(sentence.formatted(people[i])).append("\", \"label\": \"person\"}\n");
            }
        }
        Files.writeString(data, rows);
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        jdbc.update("update dataset_versions set format = 'classification' where id = ?", team.datasetVersionId());
        addFile(team.datasetVersionId(), data);
        long job = fixtures.queuedJob(team, "stories head", 0, 1, config);
        jdbc.update("update fine_tuning_jobs set method = ? where id = ?", method, job);
        return job;
    }

    @Test
    void aFullTuningHeadJobStoresATransformersClassifierAndScoresItsHeldOutRows(@TempDir Path dir)
            throws Exception {
        long job = classificationJob(dir, "full", """
                {"task_type": "seq_cls", "finetuning_type": "full", "cutoff_len": 32, "max_steps": 20,
                 "per_device_train_batch_size": 8, "learning_rate": 0.001, "lr_scheduler_type": "constant",
                 "logging_steps": 1, "save_steps": 0, "eval_steps": 0, "val_size": 6}""");
        runQueued(job, "succeeded");

        Map<String, Double> metrics = new java.util.HashMap<>();
        jdbc.query("select name, value from training_metrics where job_id = ? and step = 20 and name like 'predict_%'",
                rs -> { metrics.put(rs.getString(1), rs.getDouble(2)); }, job);
        assertThat(metrics).containsKeys("predict_accuracy_tuned", "predict_macro_f1_tuned");
        Path merged = artifact(job, "merged");
        JsonNode config = JSON.readTree(merged.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asString()).isEqualTo("LlamaForSequenceClassification");
        assertThat(config.path("id2label").toString()).isEqualTo("{\"0\":\"animal\",\"1\":\"person\"}");
        try (var reader = io.tuneforge.trainer.model.safetensors.SafetensorsReader.open(merged)) {
            assertThat(reader.names()).contains("score.weight").doesNotContain("lm_head.weight");
        }
        assertThat(merged.resolve("tokenizer.json")).isRegularFile();
        assertThat(jdbc.queryForList("select message from job_events where job_id = ? order by id", String.class, job))
                .anyMatch(m -> m.startsWith("Classification head on 6 held-out rows: accuracy"));
    }

    @Test
    void loraJobStoresAMergedModelThatGeneratesLikeBasePlusAdapter() throws Exception {
        Path model = Fixtures.stories260K();
        long job = runJob(Fixtures.path("datasets/llama_factory/identity.json"), "lora", """
                {"template": "alpaca", "cutoff_len": 48, "max_steps": 4, "per_device_train_batch_size": 2,
                 "learning_rate": 0.02, "lora_rank": 4, "lora_target": "all", "logging_steps": 1,
                 "save_steps": 0, "eval_steps": 0, "max_samples": 12, "val_size": 3, "predict_samples": 16,
                 "predict_max_new_tokens": 6}""");

        Path merged = artifact(job, "merged");
        assertThat(merged.resolve("config.json")).isRegularFile();
        assertThat(merged.resolve("tokenizer.json")).isRegularFile();
        assertThat(merged.resolve("generation_config.json")).isRegularFile();
        String prompt = "Once upon a time, there was a little";
        assertThat(greedy(merged, Optional.empty(), prompt))
                .isEqualTo(greedy(model, Optional.of(artifact(job, "adapter")), prompt));
        assertThat(artifactKinds(job)).doesNotContain("gguf");
    }

    @Test
    void predictionsHoldPromptLabelBaseAndTunedForEveryHeldOutRow() throws Exception {
        Path data = Fixtures.path("datasets/llama_factory/identity.json");
        long job = runJob(data, "lora", """
                {"template": "alpaca", "cutoff_len": 48, "max_steps": 3, "per_device_train_batch_size": 2,
                 "learning_rate": 0.01, "lora_rank": 4, "logging_steps": 1, "save_steps": 0, "eval_steps": 0,
                 "max_samples": 10, "val_size": 3, "predict_max_new_tokens": 5}""");

        List<JsonNode> rows = predictionRows(job);
        assertThat(rows).hasSize(3);
        List<String> outputs = JSON.readTree(data.toFile()).valueStream()
                .map(row -> row.path("output").asString()).toList();
        for (JsonNode row : rows) {
            assertThat(row.propertyNames()).containsExactlyInAnyOrder("prompt", "label", "base", "tuned");
            assertThat(outputs).contains(row.path("label").asString());
            assertThat(row.path("prompt").asString()).contains("### Instruction:");
            assertThat(row.path("base").isString()).isTrue();
            assertThat(row.path("tuned").isString()).isTrue();
        }
        int finalStep = 3;
        assertThat(jdbc.queryForList("select name from training_metrics where job_id = ? and step = ? "
                + "and name like 'predict_%'", String.class, job, finalStep)).containsExactlyInAnyOrder(
                "predict_bleu_4_base", "predict_bleu_4_tuned", "predict_rouge_1_base", "predict_rouge_1_tuned",
                "predict_rouge_2_base", "predict_rouge_2_tuned", "predict_rouge_l_base", "predict_rouge_l_tuned");
        assertThat(jdbc.queryForList("select message from job_events where job_id = ? order by id", String.class, job))
                .anyMatch(m -> m.startsWith("Merging the adapter"))
                .anyMatch(m -> m.startsWith("Predicting 3 held-out rows"))
                .anyMatch(m -> m.startsWith("Held-out comparison on 3 rows") && m.contains("BLEU-4")
                        && m.contains("scored on words: 3"));
    }

    @Test
    void ggufIsExportedOnlyWhenTheJobAsksForIt() throws Exception {
        long job = runJob(Fixtures.path("datasets/llama_factory/identity.json"), "lora", """
                {"cutoff_len": 32, "max_steps": 2, "per_device_train_batch_size": 2,
                 "lora_rank": 2, "save_steps": 0, "eval_steps": 0, "max_samples": 6, "val_size": 2,
                 "predict_samples": 0, "export_gguf": "q8_0"}""");

        assertThat(artifactKinds(job)).containsExactlyInAnyOrder("adapter", "merged", "gguf");
        Path gguf = artifact(job, "gguf");
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(gguf.resolve("model.gguf"))) {
            assertThat(in.read(magic)).isEqualTo(4);
        }
        assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("GGUF");
        assertThat(gguf.resolve("Modelfile")).isRegularFile();
        assertThat(jdbc.queryForList("select message from job_events where job_id = ? order by id", String.class, job))
                .as("template auto on stories260K (no chat template of its own)")
                .anyMatch(m -> m.startsWith("Chat template default: the model has no chat template of its own"));
        assertThat(Files.readString(gguf.resolve("Modelfile"))).as("the Modelfile follows the job's template")
                .contains("chat format: default").contains("Human: {{ .Content }}</s>").doesNotContain("raw");
    }

    @Test
    void oftJobStoresItsPeftAdapterAndAMergedModelThatGeneratesLikeBasePlusAdapter() throws Exception {
        Path model = Fixtures.stories260K();
        long job = runJob(Fixtures.path("datasets/llama_factory/identity.json"), "oft", """
                {"finetuning_type": "oft", "template": "alpaca", "cutoff_len": 48, "max_steps": 4,
                 "per_device_train_batch_size": 2, "learning_rate": 0.02, "oft_block_size": 16, "oft_target": "all",
                 "logging_steps": 1, "save_steps": 0, "eval_steps": 0, "max_samples": 12, "val_size": 3,
                 "predict_samples": 0}""");

        Path adapter = artifact(job, "adapter");
        assertThat(Files.readString(adapter.resolve("adapter_config.json"))).contains("\"peft_type\" : \"OFT\"");
        Path merged = artifact(job, "merged");
        String prompt = "Once upon a time, there was a little";
        assertThat(greedy(merged, Optional.empty(), prompt)).isEqualTo(greedy(model, Optional.of(adapter), prompt));
    }

    @Test
    void freezeJobStoresTheTrainedModelAsAHuggingFaceFolder() throws Exception {
        long job = runJob(Fixtures.path("datasets/llama_factory/identity.json"), "freeze", """
                {"template": "alpaca", "cutoff_len": 32, "max_steps": 2, "per_device_train_batch_size": 2,
                 "freeze_trainable_layers": 1, "save_steps": 0, "eval_steps": 0, "max_samples": 6,
                 "val_size": 2, "predict_samples": 0}""");

        assertThat(artifactKinds(job)).containsExactly("merged");
        Path merged = artifact(job, "merged");
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json")) {
            assertThat(merged.resolve(file)).isRegularFile();
        }
        assertThat(greedy(merged, Optional.empty(), "Once upon a time")).isNotBlank();
    }

    @Test
    void anUnknownGgufTypeFailsTheJobBeforeTraining() throws InterruptedException {
        long job = runJob(Fixtures.path("datasets/llama_factory/identity.json"), "lora", """
                {"template": "alpaca", "max_steps": 2, "max_samples": 6, "val_size": 2, "export_gguf": "q4_k"}""",
                "failed");

        assertThat(jdbc.queryForObject("select error_message from fine_tuning_jobs where id = ?", String.class, job))
                .contains("export_gguf").contains("'q4_k' is not allowed; use one of none, f16, q8_0, f32");
        assertThat(jdbc.queryForList("select step from training_metrics where job_id = ?", Integer.class, job))
                .isEmpty();
    }

    @Test
    void aJobTrainsOnEveryDatasetOfItsMixEachUsedItsRatioTimes(@TempDir Path dir) throws Exception {
        Path sums = dir.resolve("sums.json");
        Files.writeString(sums, JSON.writeValueAsString(IntStream.range(0, 10).mapToObj(i -> java.util.Map.of(
                "instruction", "What is " + i + " plus one?", "input", "", "output", String.valueOf(i + 1))).toList()));
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        addFile(team.datasetVersionId(), Fixtures.path("datasets/llama_factory/identity.json"));
        long sumsVersion = jdbc.queryForObject("with d as (insert into datasets (team_id, name, created_by) "
                + "values (?, ?, ?) returning id) insert into dataset_versions (dataset_id, version, format, status, "
                + "row_count, created_by) select d.id, 1, 'alpaca', 'valid', 10, ? from d returning id", Long.class,
                team.teamId(), "sums-" + team.suffix(), team.userId(), team.userId());
        addFile(sumsVersion, sums);
        long job = fixtures.queuedJob(team, "stories mix", 0, 1, """
                {"template": "alpaca", "cutoff_len": 64, "max_steps": 2, "per_device_train_batch_size": 2,
                 "lora_rank": 2, "save_steps": 0, "eval_steps": 0, "max_samples": 10, "val_size": 4,
                 "predict_samples": 0, "seed": 42, "dataset_mix": [
                   {"dataset_version_id": %d, "dataset": "data-%s", "ratio": 1},
                   {"dataset_version_id": %d, "dataset": "sums-%s", "ratio": 0.5}]}"""
                .formatted(team.datasetVersionId(), team.suffix(), sumsVersion, team.suffix()));

        runQueued(job, "succeeded");

        JsonNode encoded = JSON.readTree(jdbc.queryForObject("select data::text from job_events where job_id = ? "
                + "and message like 'Encoded %'", String.class, job));
        JsonNode identity = encoded.path("datasets").get(0);
        JsonNode generated = encoded.path("datasets").get(1);
        assertThat(identity.path("dataset").asString()).isEqualTo("data-" + team.suffix());
        assertThat(generated.path("dataset").asString()).isEqualTo("sums-" + team.suffix());
        assertThat(identity.path("train_rows").asInt() + identity.path("validation_rows").asInt())
                .as("ratio 1: every one of the 10 identity rows once").isEqualTo(10);
        assertThat(generated.path("train_rows").asInt())
                .as("ratio 0.5: half of the generated rows left for training")
                .isEqualTo(Math.round((10 - generated.path("validation_rows").asInt()) * 0.5f));
        assertThat(identity.path("validation_rows").asInt() + generated.path("validation_rows").asInt())
                .isEqualTo(encoded.path("validation_samples").asInt()).isEqualTo(4);
        assertThat(encoded.path("train_samples").asInt())
                .isEqualTo(identity.path("train_rows").asInt() + generated.path("train_rows").asInt());
        assertThat(jdbc.queryForObject("select message from job_events where job_id = ? and message like "
                + "'Encoded %'", String.class, job)).contains("rows per dataset: data-" + team.suffix() + " ")
                .contains("sums-" + team.suffix() + " (ratio 0.5) " + generated.path("train_rows").asInt() + " train");
    }

    /** Queues a job on stories260K with {@code data}, runs a worker until it ends, and checks it succeeded. */
    private long runJob(Path data, String method, String configJson) throws InterruptedException {
        long job = runJob(data, method, configJson, "succeeded");
        assertThat(jdbc.queryForList("select coalesce(error_message, '') from fine_tuning_jobs where id = ?",
                String.class, job)).containsExactly("");
        return job;
    }

    private long runJob(Path data, String method, String configJson, String expectedStatus)
            throws InterruptedException {
        fixtures.clearQueue();
        TeamSetup team = fixtures.team(1, Fixtures.stories260K().toString());
        addFile(team.datasetVersionId(), data);
        long job = fixtures.queuedJob(team, "stories " + method, 0, 1, configJson);
        jdbc.update("update fine_tuning_jobs set method = ? where id = ?", method, job);
        return runQueued(job, expectedStatus);
    }

    private void addFile(long datasetVersionId, Path data) {
        jdbc.update("insert into dataset_files (dataset_version_id, purpose, original_name, storage_path, size_bytes, "
                + "sha256) values (?, 'source', ?, ?, 1, 'x')", datasetVersionId,
                data.getFileName().toString(), data.toString());
    }

    /** Runs a worker with the production runner until {@code job} ends, and checks it ended as expected. */
    private long runQueued(long job, String expectedStatus) throws InterruptedException {
        QueueWorker worker = testWorkers.start(TestWorkers.cpu("trainer-worker", Duration.ofMillis(500),
                Duration.ofMillis(500), 10, Duration.ofSeconds(10)), new TrainerJobRunner(home), artifacts);
        try {
            awaitEnd(job);
        } finally {
            worker.close();
        }
        assertThat(fixtures.status(job)).as(() -> "job error: " + jdbc.queryForObject(
                "select error_message from fine_tuning_jobs where id = ?", String.class, job))
                .isEqualTo(expectedStatus);
        assertThat(TrainerJobRunner.workRoot(home).resolve("job-" + job))
                .as("the run's work folder is removed once it ends (no retention)").doesNotExist();
        return job;
    }

    /** Waits for the job to end; generous, as the first job also starts the engine on a busy machine. */
    private void awaitEnd(long job) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!List.of("succeeded", "failed").contains(fixtures.status(job))) {
            assertThat(System.nanoTime()).as("job %d still %s after 5 minutes", job, fixtures.status(job))
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private Path artifact(long job, String kind) {
        return artifacts.resolve(jdbc.queryForObject("select storage_path from artifacts where job_id = ? "
                + "and kind = ?", String.class, job, kind));
    }

    private List<String> artifactKinds(long job) {
        return jdbc.queryForList("select kind from artifacts where job_id = ?", String.class, job);
    }

    private List<JsonNode> predictionRows(long job) throws java.io.IOException {
        return Files.readAllLines(artifact(job, "predictions").resolve("predictions.jsonl")).stream()
                .map(JSON::readTree).toList();
    }

    /** Greedy continuation of {@code prompt} by the model in {@code modelDir}, with a LoRA adapter when given. */
    private static String greedy(Path modelDir, Optional<Path> adapter, String prompt) throws Exception {
        try (LlamaModel model = LlamaModel.load(modelDir, ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(modelDir)) {
            if (adapter.isPresent()) {
                io.tuneforge.trainer.model.AdapterFiles.load(model, adapter.get(), false);
            }
            return new Generator(model, tokenizer).generate(prompt, GenerationConfig.greedy(24), t -> { }).text();
        }
    }
}
