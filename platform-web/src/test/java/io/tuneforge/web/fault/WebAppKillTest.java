package io.tuneforge.web.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tuneforge.core.testing.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The platform web application, in its own JVM with its embedded worker and a real PostgreSQL, is killed with SIGKILL
 * ({@code Process.destroyForcibly}, i.e. {@code kill -9}) while a LoRA job on stories260K trains and while a large
 * upload is half received. Restarted on the same database and platform home, it loses no job (the job resumes from
 * its checkpoint and succeeds), the metric history has every step exactly once, the start-up sweep leaves no orphan
 * upload file and no dataset version of the killed upload exists. Everything is driven through the REST API with the
 * install's administrator token ({@code TUNEFORGE_ADMIN_TOKEN}).
 */
class WebAppKillTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Both runs' output, kept for diagnosis. */
    private static final Path LOG = Path.of("target", "web-app-kill-test.log");
    /** Training steps of the job, and how often it saves a checkpoint. */
    private static final int MAX_STEPS = 60;
    private static final int SAVE_STEPS = 5;
    /** A valid alpaca row. */
    private static final String ROW = "{\"instruction\": \"Say hi\", \"output\": \"Hi!\"}\n";
    /** A start of the web application on a loaded two-core machine takes a while. */
    private static final Duration START = Duration.ofSeconds(240);

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String adminToken = "tf_" + HexFormat.of().formatHex(randomBytes(24));
    private String databaseUrl;
    private JdbcTemplate jdbc;
    private SingleConnectionDataSource dataSource;
    private int port;
    private Process app;

    @BeforeEach
    void aDatabaseOfItsOwn() throws IOException {
        assumeTrue(Files.isDirectory(fixture("models/stories260K")), "fixtures absent: ../shared/fixtures");
        // a database of this test's own on the test server: other test classes' queued jobs stay out of its queue
        TestDatabase.Connection server = TestDatabase.get();
        String name = "webapp_kill_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(server, "create database " + name);
        String base = server.jdbcUrl().contains("?")
                ? server.jdbcUrl().substring(0, server.jdbcUrl().indexOf('?')) : server.jdbcUrl();
        String query = server.jdbcUrl().contains("?") ? server.jdbcUrl().substring(server.jdbcUrl().indexOf('?')) : "";
        databaseUrl = base.substring(0, base.lastIndexOf('/') + 1) + name + query;
        dataSource = new SingleConnectionDataSource(databaseUrl, server.username(), server.password(), true);
        jdbc = new JdbcTemplate(dataSource);
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
    }

    @AfterEach
    void stopAndDrop() throws InterruptedException {
        if (app != null) {
            app.destroyForcibly().waitFor();
        }
        if (dataSource != null) {
            dataSource.destroy();
            String name = databaseUrl.substring(databaseUrl.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
            execute(TestDatabase.get(), "drop database if exists " + name + " with (force)");
        }
    }

    @Test
    void aKilledWebAppLosesNoJobNoMetricStepAndLeavesNoUploadBehind() throws Exception {
        app = start(1);
        awaitHealthy();
        assertThat(send("POST", "/api/v1/models", json("""
                {"name": "stories260K", "path": "%s"}""".formatted(fixture("models/stories260K")))).statusCode())
                .isEqualTo(201);
        long file = upload("identity", "identity.json", Files.readAllBytes(fixture(
                "datasets/llama_factory/identity.json")));
        TestDatabase.Connection server = TestDatabase.get();
        long job;
        try (Connection blocker = DriverManager.getConnection(databaseUrl, server.username(), server.password());
                Socket uploader = slowUpload("half-sent")) {
            Path parts = home.resolve("datasets/.incoming");
            await("the upload being received", Duration.ofSeconds(60), () -> bytesIn(parts) >= 256 * 1024);
            job = read(send("POST", "/api/v1/fine_tuning/jobs", json("""
                    {"model": "stories260K", "training_file": %d, "suffix": "survives-a-kill",
                     "hyperparameters": {"max_steps": %d, "save_steps": %d, "logging_steps": 1, "learning_rate": 1e-3,
                     "template": "alpaca", "cutoff_len": 64, "per_device_train_batch_size": 2,
                     "gradient_accumulation_steps": 1}}""".formatted(file, MAX_STEPS, SAVE_STEPS))))
                    .path("id").asLong();
            await("a checkpoint of the running job", Duration.ofSeconds(240),
                    () -> !checkpointSteps(job).isEmpty() || !status(job).matches("queued|running"));
            // then an upload that is whole, moved into place, and waits for its row: the lock holds inserts of file
            // rows (taken once the job has read its data: the lock would hold the job's start too)
            blocker.setAutoCommit(false);
            try (Statement lock = blocker.createStatement()) {
                lock.execute("lock table dataset_files in share mode");
            }
            uploadInBackground("moved-in", "moved-in.jsonl", utf8(ROW.repeat(5)));
            await("the whole upload moved into place", Duration.ofSeconds(60), () -> !storedNamed("moved-in.jsonl")
                    .isEmpty());
            assertThat(status(job)).as("still training when killed (log: %s)", LOG.toAbsolutePath())
                    .isEqualTo("running");
            int checkpointBeforeKill = checkpointSteps(job).getLast();
            System.out.printf("killing the web app at checkpoint step %d of %d, %d loss points stored, %d upload "
                    + "bytes received%n", checkpointBeforeKill, MAX_STEPS, lossSteps(job).size(), bytesIn(parts));

            app.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no worker release, no last heartbeat
            blocker.rollback();

            assertThat(checkpointBeforeKill).isLessThan(MAX_STEPS);
            assertThat(bytesIn(parts)).as("the half-received upload before the restart").isPositive();
            assertThat(storedNamed("moved-in.jsonl")).as("moved into place, row never committed").hasSize(1);
        }

        app = start(2);
        awaitHealthy();
        assertThat(bytesIn(home.resolve("datasets/.incoming"))).as("temporary uploads after the start-up sweep")
                .isZero();
        await("the job to end", Duration.ofSeconds(300), () -> !status(job).matches("queued|running"));

        assertThat(status(job)).as("log: %s", LOG.toAbsolutePath()).isEqualTo("succeeded");
        assertThat(lossSteps(job)).as("every metric step exactly once")
                .containsExactlyElementsOf(IntStream.rangeClosed(1, MAX_STEPS).boxed().toList());
        List<JsonNode> events = events(job);
        assertThat(events.stream().map(e -> e.path("type").asString()).toList())
                .containsSubsequence("JOB_START", "CHECKPOINT_SAVE", "WORKER_LOST", "JOB_RESTARTED", "JOB_START",
                        "TRAINING_COMPLETE");
        assertThat(events.stream().map(e -> e.path("message").asString()))
                .anySatisfy(m -> assertThat(m).startsWith("Resuming from the checkpoint at step"));
        assertThat(jdbc.queryForObject("select attempt from fine_tuning_jobs where id = ?", Integer.class, job))
                .as("a killed platform does not use up one of the job's attempts").isEqualTo(1);

        assertThat(fileDatasets()).as("no version of the killed upload").containsExactly("identity");
        assertThat(jdbc.queryForObject("select count(*) from dataset_versions v join datasets d on d.id = v.dataset_id "
                + "where d.name in ('half-sent', 'moved-in')", Integer.class)).isZero();
        Set<Path> stored = jdbc.queryForList("select storage_path from dataset_files", String.class).stream()
                .map(p -> home.resolve(p).normalize()).collect(Collectors.toSet());
        assertThat(allFiles(home.resolve("datasets"))).as("files under datasets/ are exactly the stored versions'")
                .containsExactlyInAnyOrderElementsOf(stored);
    }

    /** Starts the web application in its own JVM on the test's database, home and port. */
    private Process start(int run) throws IOException {
        TestDatabase.Connection server = TestDatabase.get();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "-Xmx1g", "-XX:TieredStopAtLevel=1"));
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("ai.djl.") || k.startsWith("tuneforge."))
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WebAppProcessMain.class.getName(),
                "server.port=" + port,
                "tuneforge.home=" + home,
                "spring.datasource.url=" + databaseUrl,
                "spring.datasource.username=" + server.username(),
                "spring.datasource.password=" + server.password(),
                "tuneforge.admin.username=admin",
                "tuneforge.admin.password=correct-horse-battery",
                "tuneforge.admin.token=" + adminToken,
                "tuneforge.worker.embedded=true",
                "tuneforge.worker.name=web-app-run-" + run,
                "tuneforge.worker.devices=cpu",
                // the killed run's lease runs out soon after the restart, and the reaper looks often
                "tuneforge.queue.lease-duration=4s",
                "tuneforge.queue.reaper.interval=500ms",
                "spring.main.banner-mode=off"));
        Files.writeString(LOG, "=== web app run " + run + System.lineSeparator(), StandardOpenOption.CREATE,
                run == 1 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(LOG.toFile())).start();
    }

    private void awaitHealthy() throws InterruptedException {
        await("the web app to answer /actuator/health", START, () -> {
            try {
                return get("/actuator/health").statusCode() == 200;
            } catch (UncheckedIOException e) {
                return false; // not listening yet
            }
        });
    }

    /**
     * Sends the head of a large multipart upload (1 GiB announced) and its first 860 kB, then 16 kB every half second
     * from a background thread until the connection breaks: a client still sending when the platform dies, never idle
     * long enough for the server's read timeout.
     */
    private Socket slowUpload(String dataset) throws IOException {
        String boundary = "----tuneforge-kill";
        byte[] head = utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jsonl\""
                + "\r\nContent-Type: application/octet-stream\r\n\r\n");
        byte[] rows = utf8(ROW.repeat(20_000));
        byte[] chunk = utf8(ROW.repeat(16 * 1024 / ROW.length()));
        Socket client = new Socket("localhost", port);
        OutputStream out = client.getOutputStream();
        out.write(utf8("POST /api/v1/files?dataset=" + dataset + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + adminToken + "\r\nContent-Type: multipart/form-data; boundary=" + boundary
                + "\r\nContent-Length: " + (head.length + (1L << 30)) + "\r\n\r\n"));
        out.write(head);
        out.write(rows);
        out.flush();
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Thread.sleep(500);
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the platform was killed or the test closed the connection: the upload ends here
            }
        });
        return client;
    }

    /** Starts {@code POST /api/v1/files} without waiting for its answer (which the kill cuts off). */
    private void uploadInBackground(String dataset, String fileName, byte[] content) {
        String boundary = "----tuneforge-" + UUID.randomUUID();
        http.sendAsync(request("/api/v1/files?dataset=" + dataset)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, fileName, content))).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    /** {@code POST /api/v1/files}: the new file's (dataset version's) id. */
    private long upload(String dataset, String fileName, byte[] content) {
        String boundary = "----tuneforge-" + UUID.randomUUID();
        HttpResponse<String> response = call(request("/api/v1/files?dataset=" + dataset)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, fileName, content))));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return read(response).path("id").asLong();
    }

    /** A multipart body with one part, {@code file}. */
    private static byte[] multipart(String boundary, String fileName, byte[] content) {
        byte[] head = utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        byte[] tail = utf8("\r\n--" + boundary + "--\r\n");
        byte[] body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        return body;
    }

    /** Stored dataset files (outside the folder of uploads being received) with this name. */
    private List<Path> storedNamed(String fileName) {
        Path incoming = home.resolve("datasets/.incoming");
        return allFiles(home.resolve("datasets")).stream().filter(p -> !p.startsWith(incoming))
                .filter(p -> p.getFileName().toString().equals(fileName)).toList();
    }

    private String status(long job) {
        return read(get("/api/v1/fine_tuning/jobs/" + job)).path("status").asString();
    }

    private List<Integer> checkpointSteps(long job) {
        return data(get("/api/v1/fine_tuning/jobs/" + job + "/checkpoints")).map(c -> c.path("step_number").asInt())
                .sorted().toList();
    }

    private List<Integer> lossSteps(long job) {
        return data(get("/api/v1/fine_tuning/jobs/" + job + "/metrics?name=loss")).map(m -> m.path("step").asInt())
                .sorted().toList();
    }

    private List<JsonNode> events(long job) {
        return data(get("/api/v1/fine_tuning/jobs/" + job + "/events?limit=1000")).toList();
    }

    private List<String> fileDatasets() {
        return data(get("/api/v1/files")).map(f -> f.path("dataset_name").asString()).toList();
    }

    private HttpResponse<String> get(String path) {
        return call(request(path).GET());
    }

    private HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body) {
        return call(request(path).header("Content-Type", "application/json").method(method, body));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + adminToken);
    }

    private HttpResponse<String> call(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpRequest.BodyPublisher json(String body) {
        return HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    }

    private static JsonNode read(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private static Stream<JsonNode> data(HttpResponse<String> response) {
        return StreamSupport.stream(read(response).path("data").spliterator(), false);
    }

    private static Path fixture(String relative) {
        return Path.of(System.getProperty("tuneforge.fixtures", "../shared/fixtures"), relative).toAbsolutePath()
                .normalize();
    }

    private static List<Path> allFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(Path::normalize).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // a file vanished while listing: the caller polls again
        }
    }

    private static long bytesIn(Path folder) {
        return allFiles(folder).stream().mapToLong(p -> p.toFile().length()).sum();
    }

    private static void execute(TestDatabase.Connection server, String sql) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Polls a condition; a process that died fails at once instead of at the deadline. */
    private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(app.isAlive()).as("the web app died waiting for %s (log: %s)", what, LOG.toAbsolutePath())
                    .isTrue();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + timeout.toSeconds() + " s (log: "
                        + LOG.toAbsolutePath() + ")");
            }
            Thread.sleep(200);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
