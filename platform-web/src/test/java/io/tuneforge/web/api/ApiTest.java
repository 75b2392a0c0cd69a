package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.testing.FakeHub;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.recipe.RecipeField;
import io.tuneforge.shared.recipe.RecipeKeys;
import io.tuneforge.web.testing.Workspace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The REST API on a real port: token authentication, problem details, the job flow, and team isolation. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final FakeHub HUB = new FakeHub();

    @DynamicPropertySource
    static void hubEndpoint(DynamicPropertyRegistry registry) {
        registry.add("tuneforge.hub.endpoint", HUB::endpoint);
        registry.add("tuneforge.webhooks.allowed-hosts", () -> "127.0.0.1"); // the test receiver below
        registry.add("tuneforge.webhooks.poll-interval", () -> "100ms");
    }

    @AfterAll
    static void stopHub() {
        HUB.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    UserAccountService accounts;
    @Autowired
    TeamRepository teams;
    @Autowired
    ApiTokenService tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ArtifactStore store;

    @TempDir
    Path modelDir;

    final HttpClient http = HttpClient.newHttpClient();
    String suffix;
    String tokenA;
    String tokenB;
    String modelName;

    @BeforeEach
    void twoTeamsWithTokens() throws IOException {
        suffix = UUID.randomUUID().toString().substring(0, 8);
        tokenA = tokenFor(member("alice-" + suffix, "team-a-" + suffix));
        tokenB = tokenFor(member("bob-" + suffix, "team-b-" + suffix));
        Files.writeString(modelDir.resolve("config.json"), """
                {"hidden_size": 64, "num_hidden_layers": 5, "intermediate_size": 172, "num_attention_heads": 8,
                 "num_key_value_heads": 4, "vocab_size": 512, "tie_word_embeddings": true}""");
        Files.writeString(modelDir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        modelName = "tiny-" + suffix;
        jdbc.update("insert into base_models (team_id, name, path, architecture, parameter_count, dtype) "
                + "values (null, ?, ?, 'LlamaForCausalLM', 260000, 'float32')", modelName, modelDir.toString());
    }

    @Test
    void requestsWithoutAValidTokenAnswerUnauthorizedProblemDetails() throws Exception {
        HttpResponse<String> none = send(HttpRequest.newBuilder(uri("/api/v1/fine_tuning/jobs")).GET(), null);
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/api/v1/fine_tuning/jobs")).GET(),
                "tf_not-a-real-token");

        for (HttpResponse<String> response : java.util.List.of(none, wrong)) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(JSON.readTree(response.body()).path("detail").asString()).contains("Bearer");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"datasets/llama_factory/dpo_en_demo.json", "datasets/medicalgpt/dpo_zh_500.jsonl"})
    void aShareGptPreferenceFileUploadsAsPreferenceData(String fixture) throws Exception {
        Path file = Workspace.fixture(fixture);

        JsonNode created = upload(tokenA, file.getFileName().toString(), Files.readAllBytes(file));

        assertThat(created.path("format").asString()).isEqualTo("preference");
        assertThat(created.path("status").asString()).isEqualTo("valid");
    }

    @Test
    void uploadFileCreateJobAndFollowItsEvents() throws Exception {
        JsonNode file = uploadAlpaca(tokenA);
        assertThat(file.path("status").asString()).isEqualTo("valid");

        HttpResponse<String> created = post("/api/v1/fine_tuning/jobs", tokenA, """
                {"model": "%s", "training_file": %d, "hyperparameters": {"lora_rank": 8, "cutoff_len": 64},
                 "suffix": "first"}""".formatted(modelName, file.path("id").asLong()));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode job = JSON.readTree(created.body());
        assertThat(job.path("object").asString()).isEqualTo("fine_tuning.job");
        assertThat(job.path("status").asString()).isEqualTo("queued");
        assertThat(job.path("queue_position").asInt()).isPositive();
        assertThat(job.path("estimated_memory_bytes").asLong()).isPositive();
        long id = job.path("id").asLong();

        JsonNode list = JSON.readTree(get("/api/v1/fine_tuning/jobs?limit=5", tokenA).body());
        assertThat(list.path("data").get(0).path("id").asLong()).isEqualTo(id);
        JsonNode events = JSON.readTree(get("/api/v1/fine_tuning/jobs/" + id + "/events", tokenA).body());
        assertThat(events.path("data").findValuesAsString("type")).containsExactly("JOB_PENDING", "JOB_QUEUED");

        HttpResponse<String> cancelled = post("/api/v1/fine_tuning/jobs/" + id + "/cancel", tokenA, "");
        assertThat(JSON.readTree(cancelled.body()).path("status").asString()).isEqualTo("cancelled");
        HttpResponse<String> again = post("/api/v1/fine_tuning/jobs/" + id + "/cancel", tokenA, "");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(again.body()).path("detail").asString()).contains("already cancelled");
    }

    @Test
    void anotherTeamsJobAnswersNotFound() throws Exception {
        JsonNode file = uploadAlpaca(tokenA);
        long id = JSON.readTree(post("/api/v1/fine_tuning/jobs", tokenA, """
                {"model": "%s", "training_file": %d}""".formatted(modelName, file.path("id").asLong())).body())
                .path("id").asLong();

        HttpResponse<String> read = get("/api/v1/fine_tuning/jobs/" + id, tokenB);
        HttpResponse<String> cancel = post("/api/v1/fine_tuning/jobs/" + id + "/cancel", tokenB, "");
        HttpResponse<String> events = get("/api/v1/fine_tuning/jobs/" + id + "/events", tokenB);

        assertThat(read.statusCode()).isEqualTo(404);
        assertThat(cancel.statusCode()).isEqualTo(404);
        assertThat(events.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(read.body()).path("type").asString()).endsWith("/not-found");
        assertThat(JSON.readTree(get("/api/v1/fine_tuning/jobs", tokenB).body()).path("data")
                .findValues("id")).noneMatch(n -> n.asLong() == id);
        HttpResponse<String> stolenFile = post("/api/v1/fine_tuning/jobs", tokenB, """
                {"model": "%s", "training_file": %d}""".formatted(modelName, file.path("id").asLong()));
        assertThat(stolenFile.statusCode()).isEqualTo(422);
    }

    @Test
    void aMembersPriorityAboveZeroIsRefusedAsAProblemAndNothingIsStored() throws Exception {
        JsonNode file = uploadAlpaca(tokenA);

        HttpResponse<String> refused = post("/api/v1/fine_tuning/jobs", tokenA, """
                {"model": "%s", "training_file": %d, "priority": 10, "suffix": "urgent"}"""
                .formatted(modelName, file.path("id").asLong()));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(JSON.readTree(refused.body()).path("detail").asString())
                .contains("Only administrators may give a job a priority above 0");
        assertThat(jdbc.queryForObject("select count(*) from fine_tuning_jobs where dataset_version_id = ?",
                Long.class, file.path("id").asLong())).isZero();
    }

    @Test
    void anAdministratorsPriority10IsQueued() throws Exception {
        Team admins = teams.save(new Team("admins-" + suffix, 1));
        String tokenAdmin = tokenFor(accounts.createUser("root-" + suffix, "root", "correct-horse-battery",
                Role.ADMIN, admins));
        JsonNode file = uploadAlpaca(tokenA);

        HttpResponse<String> created = post("/api/v1/fine_tuning/jobs", tokenAdmin, """
                {"model": "%s", "training_file": %d, "priority": 10, "suffix": "urgent"}"""
                .formatted(modelName, file.path("id").asLong()));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).path("priority").asInt()).isEqualTo(10);
        assertThat(JSON.readTree(created.body()).path("status").asString()).isEqualTo("queued");
    }

    @Test
    void hyperparametersThatAreNotAnObjectAreRefused() throws Exception {
        JsonNode file = uploadAlpaca(tokenA);

        HttpResponse<String> refused = post("/api/v1/fine_tuning/jobs", tokenA, """
                {"model": "%s", "training_file": %d, "hyperparameters": [1, 2]}"""
                .formatted(modelName, file.path("id").asLong()));

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(refused.body()).path("detail").asString()).contains("JSON object");
    }

    /** Values REST once accepted with 201 (or trained wrongly), each refused now naming its key. */
    static List<Arguments> badHyperparameters() {
        return List.of(
                Arguments.of("{\"learning_rate\": -1}", "learning_rate", "above 0"),
                Arguments.of("{\"learning_rate\": \"fast\"}", "learning_rate", "above 0"),
                Arguments.of("{\"lora_rank\": 0}", "lora_rank", "from 1"),
                Arguments.of("{\"lora_rank\": -5}", "lora_rank", "from 1"),
                Arguments.of("{\"per_device_train_batch_size\": 0}", "per_device_train_batch_size", "from 1"),
                Arguments.of("{\"batch_size\": 0}", "per_device_train_batch_size", "from 1"),
                Arguments.of("{\"n_epochs\": \"NaN\"}", "num_train_epochs", "above 0"),
                Arguments.of("{\"use_galore\": true}", "use_galore", "finetuning_type full or freeze"),
                Arguments.of("{\"use_muon\": true, \"optim\": \"sgd\"}", "optim", "adamw_torch with use_muon"),
                Arguments.of("{\"learnig_rate\": 1e-4}", "learnig_rate", "a known key"),
                Arguments.of("{\"max_steps\": 99999999999}", "max_steps", "to 1,000,000,000"),
                Arguments.of("{\"max_steps\": -1}", "max_steps", "to 1,000,000,000"),
                Arguments.of("{\"eval_steps\": 10}", "eval_steps", "val_size"),
                Arguments.of("{\"output_dir\": \"/etc\"}", "output_dir", "the platform sets it"),
                Arguments.of("{\"fp16\": true}", "fp16", "false, none or no value"),
                Arguments.of("{\"stage\": \"ppo\"}", "reward_model", "finished reward-model job"),
                Arguments.of("{\"stage\": \"ppo\", \"reward_model\": \"999999999\"}", "reward_model",
                        "finished reward-model job"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHyperparameters")
    void aBadHyperparameterIsA422NamingTheKeyAndNothingIsStored(String hyperparameters, String key, String allowed)
            throws Exception {
        JsonNode file = uploadAlpaca(tokenA);
        long before = jdbc.queryForObject("select count(*) from fine_tuning_jobs", Long.class);

        HttpResponse<String> refused = post("/api/v1/fine_tuning/jobs", tokenA,
                "{\"model\": \"" + modelName + "\", \"training_file\": " + file.path("id").asLong()
                        + ", \"hyperparameters\": " + hyperparameters + "}");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("key").asString()).isEqualTo(key);
        assertThat(problem.path("allowed").asString()).contains(allowed);
        assertThat(problem.path("detail").asString()).contains(key);
        assertThat(jdbc.queryForObject("select count(*) from fine_tuning_jobs", Long.class)).isEqualTo(before);
    }

    @Test
    void aJobWhoseChatTemplateDoesNotResolveIsRefusedAtSubmission() throws Exception {
        Files.writeString(modelDir.resolve("tokenizer_config.json"),
                "{\"eos_token\": \"</s>\", \"chat_template\": \"{% for m in messages %}\"}");
        JsonNode file = uploadAlpaca(tokenA);

        HttpResponse<String> response = post("/api/v1/fine_tuning/jobs", tokenA,
                "{\"model\": \"" + modelName + "\", \"training_file\": " + file.path("id").asLong() + "}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).path("detail").asString()).startsWith("Chat template: ");
    }

    @Test
    void aRunningJobShowsItsCurrentPhaseWithProgressAndTimeLeft() throws Exception {
        JsonNode file = uploadAlpaca(tokenA);
        long id = JSON.readTree(post("/api/v1/fine_tuning/jobs", tokenA,
                "{\"model\": \"" + modelName + "\", \"training_file\": " + file.path("id").asLong() + "}").body())
                .path("id").asLong();
        // as a worker's heartbeat leaves it after training: predicting 12 of 32 answers, done in about 90 s
        jdbc.update("update fine_tuning_jobs set status = 'running', started_at = now(), current_phase = 'predicting', "
                + "phase_done = 12, phase_total = 32, phase_ends_at = now() + interval '90 seconds' where id = ?", id);

        JsonNode job = JSON.readTree(get("/api/v1/fine_tuning/jobs/" + id, tokenA).body());

        assertThat(job.path("current_phase").asString()).isEqualTo("predicting");
        JsonNode phase = job.path("phase_progress");
        assertThat(phase.path("done").asLong()).isEqualTo(12);
        assertThat(phase.path("total").asLong()).isEqualTo(32);
        assertThat(phase.path("unit").asString()).isEqualTo("answers");
        assertThat(phase.path("progress").asDouble()).isEqualTo(0.375);
        assertThat(phase.path("remaining_seconds").asLong()).isBetween(80L, 90L);
        assertThat(phase.path("estimated_end").asLong()).isPositive();
    }

    @Test
    void aJobShowsItsFullEffectiveRecipeWithEveryDefaultFilledIn() throws Exception {
        JsonNode file = uploadAlpaca(tokenA);
        long id = JSON.readTree(post("/api/v1/fine_tuning/jobs", tokenA,
                "{\"model\": \"" + modelName + "\", \"training_file\": " + file.path("id").asLong()
                        + ", \"hyperparameters\": {\"lora_rank\": 16, \"n_epochs\": 2}}").body()).path("id").asLong();

        JsonNode hyperparameters = JSON.readTree(get("/api/v1/fine_tuning/jobs/" + id, tokenA).body())
                .path("hyperparameters");

        assertThat(hyperparameters.path("lora_rank").asInt()).isEqualTo(16);
        assertThat(hyperparameters.path("lora_alpha").asDouble()).as("2 × rank").isEqualTo(32.0);
        assertThat(hyperparameters.path("num_train_epochs").asDouble()).isEqualTo(2.0);
        assertThat(hyperparameters.path("cutoff_len").asInt()).as("the recipe's default, not 1024").isEqualTo(2048);
        for (RecipeField field : RecipeKeys.FIELDS) {
            if (!field.pathKey()) {
                assertThat(hyperparameters.has(field.key())).as(field.key()).isTrue();
            }
        }
    }

    @Test
    void unknownModelIsRefusedWithAProblemDetail() throws Exception {
        HttpResponse<String> response = post("/api/v1/fine_tuning/jobs", tokenA,
                "{\"model\": \"no-such-model\", \"training_file\": 1}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).path("detail").asString()).contains("GET /api/v1/models");
    }

    @Test
    void jobStateChangesReachTheTeamsWebhookSignedWithHmacSha256() throws Exception {
        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            deliveries.add(new Delivery(exchange.getRequestHeaders().getFirst("X-TuneForge-Signature"),
                    exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            HttpResponse<String> registered = post("/api/v1/webhooks", tokenA,
                    "{\"url\": \"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\"}");
            assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
            String secret = JSON.readTree(registered.body()).path("secret").asString();
            assertThat(secret).hasSizeGreaterThanOrEqualTo(32);

            JsonNode file = uploadAlpaca(tokenA);
            long id = JSON.readTree(post("/api/v1/fine_tuning/jobs", tokenA, """
                    {"model": "%s", "training_file": %d}""".formatted(modelName, file.path("id").asLong())).body())
                    .path("id").asLong();
            post("/api/v1/fine_tuning/jobs/" + id + "/cancel", tokenA, "");

            Delivery cancelled = awaitDelivery(deliveries, "fine_tuning.job.cancelled");
            assertThat(cancelled.signature()).isEqualTo("sha256=" + hmacSha256Hex(secret, cancelled.body()));
            JsonNode data = JSON.readTree(cancelled.body()).path("data");
            assertThat(data.path("id").asLong()).isEqualTo(id);
            assertThat(data.path("status").asString()).isEqualTo("cancelled");
            assertThat(JSON.readTree(cancelled.body()).path("id").asString()).isNotBlank();
            assertThat(JSON.readTree(cancelled.body()).path("sequence").asLong()).isPositive();

            long hook = JSON.readTree(registered.body()).path("id").asLong();
            String listed = get("/api/v1/webhooks", tokenA).body();
            assertThat(listed).doesNotContain(secret).contains("secret_hint");
            assertThat(get("/api/v1/webhooks/" + hook, tokenA).body()).doesNotContain(secret);
            JsonNode log = JSON.readTree(get("/api/v1/webhooks/" + hook + "/deliveries", tokenA).body()).path("data");
            assertThat(log.findValuesAsString("event_type")).contains("fine_tuning.job.cancelled");
        } finally {
            receiver.stop(0);
        }
    }

    private record Delivery(String signature, byte[] body) {
    }

    private static Delivery awaitDelivery(BlockingQueue<Delivery> deliveries, String type) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            Delivery next = deliveries.poll(200, TimeUnit.MILLISECONDS);
            if (next != null && JSON.readTree(next.body()).path("type").asString().equals(type)) {
                return next;
            }
        }
        throw new AssertionError("no webhook delivery of type " + type + " within 15 s");
    }

    /** HMAC-SHA256 computed here with the JDK, independently of the platform's signer. */
    private static String hmacSha256Hex(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void importsAModelFromTheHubInTheBackgroundAndListsItForTheTeamOnly() throws Exception {
        String repo = HUB.publishTinyLlama(Files.createDirectory(modelDir.resolve("hub")));

        HttpResponse<String> started = post("/api/v1/models/imports", tokenA,
                "{\"repo_id\": \"%s\", \"name\": \"imported-%s\"}".formatted(repo, suffix));

        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        JsonNode created = JSON.readTree(started.body());
        assertThat(created.path("object").asString()).isEqualTo("model.import");
        assertThat(created.path("repo_id").asString()).isEqualTo(repo);
        assertThat(created.path("revision").asString()).isEqualTo("main");
        String id = created.path("id").asString();
        JsonNode done = awaitImportEnd(id, tokenA);
        assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("progress").path("fraction").asDouble()).isEqualTo(1.0);
        assertThat(done.path("progress").path("files_done").asInt()).isPositive()
                .isEqualTo(done.path("progress").path("files_total").asInt());
        assertThat(done.path("model").path("id").asString()).isEqualTo("imported-" + suffix);
        assertThat(done.path("model").path("architecture").asString()).isEqualTo("LlamaForCausalLM");
        assertThat(JSON.readTree(get("/api/v1/models", tokenA).body()).path("data").findValuesAsString("id"))
                .contains("imported-" + suffix);
        assertThat(JSON.readTree(get("/api/v1/models/imports", tokenA).body()).path("data")
                .findValuesAsString("id")).contains(id);

        assertThat(get("/api/v1/models/imports/" + id, tokenB).statusCode()).isEqualTo(404);
        assertThat(post("/api/v1/models/imports/" + id + "/cancel", tokenB, "").statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(get("/api/v1/models/imports", tokenB).body()).path("data")
                .findValuesAsString("id")).doesNotContain(id);
        assertThat(JSON.readTree(get("/api/v1/models", tokenB).body()).path("data").findValuesAsString("id"))
                .doesNotContain("imported-" + suffix);
    }

    @Test
    void aMalformedRepositoryIdIsRefusedWithTheExpectedForm() throws Exception {
        HttpResponse<String> response = post("/api/v1/models/imports", tokenA, "{\"repo_id\": \"not a repo\"}");

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).path("detail").asString())
                .contains("\"not a repo\" is not a Hub repository id").contains("owner/name");
    }

    @Test
    void cancellingAStalledImportEndsItCancelledWithoutAModel() throws Exception {
        String repo = HUB.publishTinyLlama(Files.createDirectory(modelDir.resolve("hub")));
        HUB.serve(repo, "model-00002-of-00002.safetensors", FakeHub.Serving.STALL_HALFWAY);
        String id = JSON.readTree(post("/api/v1/models/imports", tokenA,
                "{\"repo_id\": \"%s\", \"name\": \"stalled-%s\"}".formatted(repo, suffix)).body())
                .path("id").asString();
        assertThat(HUB.stalled.await(30, TimeUnit.SECONDS)).as("the download stalls halfway").isTrue();

        HttpResponse<String> cancelled = post("/api/v1/models/imports/" + id + "/cancel", tokenA, "");

        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        JsonNode done = awaitImportEnd(id, tokenA);
        assertThat(done.path("status").asString()).isEqualTo("cancelled");
        assertThat(done.path("error").asString()).contains("cancelled; nothing was kept");
        assertThat(done.path("model").isMissingNode() || done.path("model").isNull()).isTrue();
        assertThat(JSON.readTree(get("/api/v1/models", tokenA).body()).path("data").findValuesAsString("id"))
                .doesNotContain("stalled-" + suffix);
    }

    /** Polls an import until it is no longer running (60 s at most). */
    private JsonNode awaitImportEnd(String id, String token) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        JsonNode current = JSON.readTree(get("/api/v1/models/imports/" + id, token).body());
        while (current.path("status").asString().equals("running") && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
            current = JSON.readTree(get("/api/v1/models/imports/" + id, token).body());
        }
        return current;
    }

    @Test
    void blindABSessionIsCreatedRatedClosedAndUnblindedThroughTheApi() throws Exception {
        TeamSetup team = new JobFixtures(jdbc).team(1, modelDir.toString());
        String token = tokens.create(team.as(Role.MEMBER), "test", Optional.empty()).token();
        long jobId = new PredictionsFixtures(jdbc, store).succeededJob(team, "support-" + suffix, List.of(
                new PredictionsFixtures.Row("Reset my password", "Use the link", "No idea", "Click 'Forgot password'"),
                new PredictionsFixtures.Row("Opening hours?", "9 to 5", "Maybe", "Monday to Friday, 9 to 5")));

        HttpResponse<String> created = post("/api/v1/evaluations", token,
                "{\"fine_tuning_job\": %d}".formatted(jobId));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode session = JSON.readTree(created.body());
        assertThat(session.path("object").asString()).isEqualTo("evaluation");
        assertThat(session.path("name").asString()).isEqualTo("Blind A/B of support-" + suffix);
        assertThat(session.path("my_progress").path("total").asInt()).isEqualTo(2);
        long id = session.path("id").asLong();
        for (int i = 0; i < 2; i++) {
            JsonNode item = JSON.readTree(get("/api/v1/evaluations/" + id + "/next_item", token).body());
            assertThat(item.has("tuned")).as("blinded").isFalse();
            boolean tunedIsA = item.path("answer_a").asString().length() > item.path("answer_b").asString().length();
            HttpResponse<String> rated = post("/api/v1/evaluation_items/" + item.path("id").asLong() + "/rating",
                    token, rating(tunedIsA ? 5 : 2, tunedIsA ? 2 : 5, tunedIsA ? "a" : "b"));
            assertThat(rated.statusCode()).as(rated.body()).isEqualTo(200);
            assertThat(JSON.readTree(rated.body()).path("rated").asInt()).isEqualTo(i + 1);
        }
        assertThat(get("/api/v1/evaluations/" + id + "/next_item", token).statusCode()).isEqualTo(204);
        assertThat(JSON.readTree(post("/api/v1/evaluations/" + id + "/close", token, "").body())
                .path("status").asString()).isEqualTo("closed");

        JsonNode results = JSON.readTree(get("/api/v1/evaluations/" + id + "/results", token).body());
        assertThat(results.path("ratings").asInt()).isEqualTo(2);
        assertThat(results.path("tuned").path("win_rate").asDouble()).isEqualTo(1.0);
        assertThat(results.path("tuned").path("means").path("accuracy").asDouble()).isEqualTo(5.0);
        assertThat(results.path("base").path("overall").asDouble()).isEqualTo(2.0);
        HttpResponse<String> csv = get("/api/v1/evaluations/" + id + "/ratings.csv", token);
        assertThat(csv.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        assertThat(csv.headers().firstValue("Content-Disposition")).hasValueSatisfying(
                d -> assertThat(d).contains("ratings-" + id + "-blind-a-b-of-support-"));
        assertThat(csv.body().lines()).hasSize(3);

        assertThat(get("/api/v1/evaluations/" + id, tokenB).statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/evaluations/" + id + "/results", tokenB).statusCode()).isEqualTo(404);
        HttpResponse<String> closedAgain = post("/api/v1/evaluation_items/" + firstItemId(id) + "/rating",
                token, rating(3, 3, "tie"));
        assertThat(closedAgain.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(closedAgain.body()).path("detail").asString()).contains("is closed");
    }

    @Test
    void ratingsBecomeAPreferenceDatasetThatADpoJobTrainsOnContinuingTheRatedAdapter() throws Exception {
        TeamSetup team = new JobFixtures(jdbc).team(1, modelDir.toString());
        String token = tokens.create(team.as(Role.MEMBER), "test", Optional.empty()).token();
        long jobId = new PredictionsFixtures(jdbc, store).succeededJob(team, "rated-" + suffix, List.of(
                new PredictionsFixtures.Row("Human: Reset my password\nAssistant:", "", "No idea",
                        "Click 'Forgot password'"),
                new PredictionsFixtures.Row("Human: Opening hours?\nAssistant:", "", "Maybe", "Nine to five")));
        long id = JSON.readTree(post("/api/v1/evaluations", token, "{\"fine_tuning_job\": %d}".formatted(jobId))
                .body()).path("id").asLong();
        HttpResponse<String> nothingRated = post("/api/v1/evaluations/" + id + "/preference-dataset", token, "");
        JsonNode first = JSON.readTree(get("/api/v1/evaluations/" + id + "/next_item", token).body());
        boolean tunedIsA = first.path("answer_a").asString().startsWith("Click");
        post("/api/v1/evaluation_items/" + first.path("id").asLong() + "/rating", token,
                rating(5, 2, tunedIsA ? "a" : "b"));
        JsonNode second = JSON.readTree(get("/api/v1/evaluations/" + id + "/next_item", token).body());
        post("/api/v1/evaluation_items/" + second.path("id").asLong() + "/rating", token, rating(3, 3, "tie"));

        HttpResponse<String> exported = post("/api/v1/evaluations/" + id + "/preference-dataset", token, "");

        assertThat(nothingRated.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(nothingRated.body()).path("detail").asString())
                .contains("has no rated item with a preferred answer (0 ties, 2 of 2 items unrated)");
        assertThat(exported.statusCode()).as(exported.body()).isEqualTo(201);
        JsonNode export = JSON.readTree(exported.body());
        assertThat(export.path("pairs").asInt()).isEqualTo(1);
        assertThat(export.path("ties").asInt()).isEqualTo(1);
        assertThat(export.path("fine_tuning_job").asLong()).isEqualTo(jobId);
        JsonNode file = export.path("file");
        assertThat(file.path("format").asString()).isEqualTo("preference");
        assertThat(file.path("status").asString()).as("validated by the data pipeline").isEqualTo("valid");
        assertThat(file.path("column_mapping").path("columns").path("prompt").asString()).isEqualTo("instruction");
        assertThat(jdbc.queryForObject("select rating_session_id from dataset_versions where id = ?", Long.class,
                file.path("id").asLong())).isEqualTo(id);

        String dpoJob = """
                {"model": "model-%s", "training_file": %d, "hyperparameters": {"stage": "dpo", "cutoff_len": 64},
                 "suffix": "dpo on ratings", "adapter_from_job": %d}""".formatted(team.suffix(),
                file.path("id").asLong(), jobId);
        HttpResponse<String> withoutAdapter = post("/api/v1/fine_tuning/jobs", token, dpoJob);
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, 'adapter', ?, "
                + "1, '00')", jobId, "jobs/" + jobId + "/adapter");
        HttpResponse<String> created = post("/api/v1/fine_tuning/jobs", token, dpoJob);

        assertThat(withoutAdapter.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(withoutAdapter.body()).path("detail").asString())
                .contains("adapter_from_job: job " + jobId).contains("has no LoRA adapter");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long dpo = JSON.readTree(created.body()).path("id").asLong();
        assertThat(jdbc.queryForObject("select adapter_from_job_id from fine_tuning_jobs where id = ?", Long.class,
                dpo)).isEqualTo(jobId);
    }

    @Test
    void aRatingWithAnUnknownPreferenceOrAnOutOfRangeScoreIsRefusedByName() throws Exception {
        TeamSetup team = new JobFixtures(jdbc).team(1, modelDir.toString());
        String token = tokens.create(team.as(Role.MEMBER), "test", Optional.empty()).token();
        long jobId = new PredictionsFixtures(jdbc, store).succeededJob(team, "one-" + suffix,
                List.of(new PredictionsFixtures.Row("Hi", "", "Hello", "Hi there")));
        long id = JSON.readTree(post("/api/v1/evaluations", token, "{\"fine_tuning_job\": %d}".formatted(jobId))
                .body()).path("id").asLong();
        long itemId = firstItemId(id);

        HttpResponse<String> badPreference = post("/api/v1/evaluation_items/" + itemId + "/rating", token,
                rating(3, 3, "both"));
        HttpResponse<String> badScore = post("/api/v1/evaluation_items/" + itemId + "/rating", token,
                rating(9, 3, "a"));
        HttpResponse<String> noJob = post("/api/v1/evaluations", token, "{}");

        assertThat(badPreference.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(badPreference.body()).path("detail").asString())
                .isEqualTo("preference is \"both\": expected a, b or tie");
        assertThat(badScore.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(badScore.body()).path("detail").asString()).contains("Answer A");
        assertThat(noJob.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(noJob.body()).path("detail").asString()).contains("fine_tuning_job is missing");
    }

    /** A rating body: every criterion of answer A scored {@code a}, of answer B {@code b}. */
    private static String rating(int a, int b, String preference) {
        String scores = "{\"relevance\": %1$d, \"accuracy\": %1$d, \"completeness\": %1$d, "
                + "\"professionalism\": %1$d, \"safety\": %1$d}";
        return "{\"answer_a\": " + scores.formatted(a) + ", \"answer_b\": " + scores.formatted(b)
                + ", \"preference\": \"" + preference + "\"}";
    }

    private long firstItemId(long sessionId) {
        return jdbc.queryForObject("select id from rating_items where session_id = ? order by position limit 1",
                Long.class, sessionId);
    }

    @Test
    void openApiDocumentDescribesTheJobsEndpoints() throws Exception {
        HttpResponse<String> doc = send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET(), null);

        assertThat(doc.statusCode()).isEqualTo(200);
        JsonNode paths = JSON.readTree(doc.body()).path("paths");
        assertThat(paths.has("/api/v1/fine_tuning/jobs")).isTrue();
        assertThat(paths.has("/api/v1/fine_tuning/jobs/{id}/cancel")).isTrue();
        assertThat(paths.has("/api/v1/files")).isTrue();
        assertThat(paths.has("/api/v1/models")).isTrue();
        assertThat(paths.has("/api/v1/models/imports/{id}/cancel")).isTrue();
        assertThat(paths.has("/api/v1/evaluations/{id}/results")).isTrue();
        assertThat(paths.has("/api/v1/chat/completions")).isTrue();
        HttpResponse<String> swagger = send(HttpRequest.newBuilder(uri("/swagger-ui/index.html")).GET(), null);
        assertThat(swagger.statusCode()).isEqualTo(200);
        assertThat(swagger.body()).contains("Swagger UI");
    }

    private JsonNode uploadAlpaca(String token) throws Exception {
        String content = """
                [{"instruction": "Say hi", "input": "", "output": "Hi"},
                 {"instruction": "Add 1 and 2", "input": "", "output": "3"}]""";
        return upload(token, "greet-" + suffix + ".json", content.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code POST /api/v1/files} of one file as multipart form data; the created file object. */
    private JsonNode upload(String token, String fileName, byte[] content) throws Exception {
        String boundary = "----tuneforge" + suffix;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + fileName + "\"\r\nContent-Type: application/json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/files"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())), token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private AppUser member(String username, String teamName) {
        Team team = teams.save(new Team(teamName, 1));
        return accounts.createUser(username, username, "correct-horse-battery", Role.MEMBER, team);
    }

    private String tokenFor(AppUser user) {
        return tokens.create(Actor.of(user), "test", Optional.empty()).token();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET(), token);
    }

    private HttpResponse<String> post(String path, String token, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)), token);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
