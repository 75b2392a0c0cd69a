package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.artifact.StoredObject;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The automation API over HTTP: an administrator's script creates teams, users, tokens and models, changes quotas,
 * roles and workers, and downloads a job's artifacts; members are refused 403, bad input is a 422 naming the field.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AutomationApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    ApiTokenService tokens;
    @Autowired
    UserAccountService accounts;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ArtifactStore store;

    @TempDir
    Path modelDir;

    final HttpClient http = HttpClient.newHttpClient();
    JobFixtures fixtures;
    TeamSetup admins;
    TeamSetup members;
    String adminToken;
    String memberToken;
    String suffix;

    @BeforeEach
    void anAdministratorAndAMember() {
        fixtures = new JobFixtures(jdbc);
        admins = fixtures.team(1, modelDir.toString());
        jdbc.update("update users set role = 'ADMIN' where id = ?", admins.userId());
        adminToken = tokens.create(admins.as(Role.ADMIN), "script", Optional.empty()).token();
        members = fixtures.team(1, modelDir.toString());
        memberToken = tokens.create(members.as(Role.MEMBER), "script", Optional.empty()).token();
        suffix = admins.suffix();
    }

    @Test
    void anAdministratorCreatesATeamAUserInItAndATokenThatUserCanCallTheApiWith() throws Exception {
        HttpResponse<String> team = send("POST", "/api/v1/teams", adminToken, "{\"name\": \"research-" + suffix + "\"}");
        assertThat(team.statusCode()).as(team.body()).isEqualTo(201);
        JsonNode created = JSON.readTree(team.body());
        assertThat(created.path("name").asString()).isEqualTo("research-" + suffix);
        assertThat(created.path("device_quota").asInt()).isEqualTo(1);
        assertThat(JSON.readTree(send("GET", "/api/v1/teams", adminToken, null).body()).path("data")
                .findValuesAsString("name")).contains("research-" + suffix);

        HttpResponse<String> user = send("POST", "/api/v1/users", adminToken, """
                {"username": "carol-%s", "password": "correct-horse-battery", "team": "research-%s",
                 "role": "member"}""".formatted(suffix, suffix));
        assertThat(user.statusCode()).as(user.body()).isEqualTo(201);
        JsonNode carol = JSON.readTree(user.body());
        assertThat(carol.path("role").asString()).isEqualTo("member");
        assertThat(carol.path("team").asString()).isEqualTo("research-" + suffix);

        HttpResponse<String> token = send("POST", "/api/v1/users/" + carol.path("id").asLong() + "/tokens",
                adminToken, "{\"name\": \"ci\"}");
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        String secret = JSON.readTree(token.body()).path("token").asString();
        assertThat(secret).startsWith("tf_");
        assertThat(JSON.readTree(token.body()).path("name").asString()).isEqualTo("ci");
        assertThat(send("GET", "/api/v1/fine_tuning/jobs", secret, null).statusCode()).isEqualTo(200);
    }

    @Test
    void anAdministratorChangesATeamsQuotaAndAUsersRole() throws Exception {
        HttpResponse<String> quota = send("PATCH", "/api/v1/teams/" + members.teamId(), adminToken,
                "{\"device_quota\": 4}");
        assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
        assertThat(JSON.readTree(quota.body()).path("device_quota").asInt()).isEqualTo(4);
        assertThat(jdbc.queryForObject("select max_concurrent_devices from teams where id = ?", Integer.class,
                members.teamId())).isEqualTo(4);

        HttpResponse<String> role = send("PATCH", "/api/v1/users/" + members.userId(), adminToken,
                "{\"role\": \"viewer\"}");
        assertThat(role.statusCode()).as(role.body()).isEqualTo(200);
        assertThat(JSON.readTree(role.body()).path("role").asString()).isEqualTo("viewer");
        assertThat(jdbc.queryForObject("select role from users where id = ?", String.class, members.userId()))
                .isEqualTo("VIEWER");
    }

    @Test
    void membersAreRefusedEveryAdministrativeEndpointWithAForbiddenProblem() throws Exception {
        List<String[]> calls = List.of(
                new String[] {"POST", "/api/v1/teams", "{\"name\": \"mine-" + suffix + "\"}"},
                new String[] {"GET", "/api/v1/teams", null},
                new String[] {"PATCH", "/api/v1/teams/" + members.teamId(), "{\"device_quota\": 64}"},
                new String[] {"POST", "/api/v1/users", "{\"username\": \"eve-" + suffix
                        + "\", \"password\": \"correct-horse-battery\", \"team\": \"team-" + members.suffix()
                        + "\", \"role\": \"admin\"}"},
                new String[] {"GET", "/api/v1/users", null},
                new String[] {"PATCH", "/api/v1/users/" + members.userId(), "{\"role\": \"admin\"}"},
                new String[] {"POST", "/api/v1/users/" + admins.userId() + "/tokens", "{\"name\": \"stolen\"}"},
                new String[] {"POST", "/api/v1/models", "{\"name\": \"m-" + suffix + "\", \"path\": \"/tmp\"}"},
                new String[] {"GET", "/api/v1/workers", null},
                new String[] {"POST", "/api/v1/workers/1/pause", ""});

        for (String[] call : calls) {
            HttpResponse<String> refused = send(call[0], call[1], memberToken, call[2]);
            assertThat(refused.statusCode()).as(call[0] + " " + call[1] + ": " + refused.body()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
        }
        assertThat(jdbc.queryForObject("select role from users where id = ?", String.class, members.userId()))
                .isEqualTo("MEMBER");
        assertThat(jdbc.queryForObject("select count(*) from users where username = ?", Integer.class,
                "eve-" + suffix)).isZero();
    }

    @Test
    void refusedInputIsA422NamingTheField() throws Exception {
        assertRefusedField(send("POST", "/api/v1/teams", adminToken, "{\"name\": \"  \"}"), "name");
        assertRefusedField(send("PATCH", "/api/v1/teams/" + members.teamId(), adminToken, "{\"device_quota\": -1}"),
                "device_quota");
        assertRefusedField(send("PATCH", "/api/v1/teams/" + members.teamId(), adminToken, "{}"), "device_quota");
        String team = "team-" + members.suffix();
        assertRefusedField(send("POST", "/api/v1/users", adminToken, """
                {"username": "dan-%s", "password": "short", "team": "%s"}""".formatted(suffix, team)), "password");
        assertRefusedField(send("POST", "/api/v1/users", adminToken, """
                {"username": "x", "password": "correct-horse-battery", "team": "%s"}""".formatted(team)), "username");
        assertRefusedField(send("POST", "/api/v1/users", adminToken, """
                {"username": "dan-%s", "password": "correct-horse-battery", "team": "no-such-team-%s"}"""
                .formatted(suffix, suffix)), "team");
        assertRefusedField(send("POST", "/api/v1/users", adminToken, """
                {"username": "dan-%s", "password": "correct-horse-battery", "team": "%s", "role": "owner"}"""
                .formatted(suffix, team)), "role");
        assertRefusedField(send("PATCH", "/api/v1/users/" + admins.userId(), adminToken, "{\"role\": \"member\"}"),
                "role");
        assertRefusedField(send("POST", "/api/v1/users/" + members.userId() + "/tokens", adminToken, "{}"), "name");
        assertRefusedField(send("POST", "/api/v1/models", adminToken, "{\"path\": \"/tmp\"}"), "name");
        assertThat(send("PATCH", "/api/v1/teams/987654321", adminToken, "{\"device_quota\": 2}").statusCode())
                .isEqualTo(404);
        assertThat(send("POST", "/api/v1/workers/987654321/drain", adminToken, "").statusCode()).isEqualTo(404);
    }

    @Test
    void anAdministratorRegistersASharedBaseModelFromAnAllowedFolder() throws Exception {
        String fixtureRoot = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtureRoot != null && Files.isDirectory(Path.of(fixtureRoot, "models/stories260K")),
                "fixtures absent");

        HttpResponse<String> registered = send("POST", "/api/v1/models", adminToken, """
                {"name": "stories-%s", "path": "%s/models/stories260K"}""".formatted(suffix, fixtureRoot));

        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        JsonNode model = JSON.readTree(registered.body());
        assertThat(model.path("id").asString()).isEqualTo("stories-" + suffix);
        assertThat(model.path("owned_by").asString()).isEqualTo("shared");
        assertThat(JSON.readTree(send("GET", "/api/v1/models", memberToken, null).body()).path("data")
                .findValuesAsString("id")).contains("stories-" + suffix);
        HttpResponse<String> outside = send("POST", "/api/v1/models", adminToken,
                "{\"name\": \"etc-" + suffix + "\", \"path\": \"/etc\"}");
        assertThat(outside.statusCode()).isEqualTo(422);
    }

    @Test
    void anAdministratorListsPausesDrainsAndResumesAWorker() throws Exception {
        long worker = fixtures.worker("api-worker-" + suffix, 8L << 30);

        JsonNode listed = JSON.readTree(send("GET", "/api/v1/workers", adminToken, null).body());
        assertThat(listed.path("data").findValuesAsString("name")).contains("api-worker-" + suffix);

        for (String[] step : List.of(new String[] {"pause", "paused"}, new String[] {"drain", "draining"},
                new String[] {"resume", "online"})) {
            HttpResponse<String> changed = send("POST", "/api/v1/workers/" + worker + "/" + step[0], adminToken, "");
            assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
            assertThat(JSON.readTree(changed.body()).path("status").asString()).isEqualTo(step[1]);
            assertThat(jdbc.queryForObject("select status from workers where id = ?", String.class, worker))
                    .isEqualTo(step[1]);
        }
    }

    @Test
    void aJobsArtifactsAreListedAndDownloadedAFolderAsZipAFileWithRanges() throws Exception {
        long job = new PredictionsFixtures(jdbc, store).succeededJob(members, "done-" + suffix,
                List.of(new PredictionsFixtures.Row("Hi", "Hello", "Hey", "Hello there")));
        byte[] gguf = new byte[4096];
        for (int i = 0; i < gguf.length; i++) {
            gguf[i] = (byte) (i * 31);
        }
        String key = ArtifactStore.artifactKey(job, "gguf") + "/model.gguf";
        StoredObject stored = store.writeFile(key, out -> out.write(gguf));
        jdbc.update("insert into artifacts (job_id, kind, storage_path, size_bytes, sha256) values (?, ?, ?, ?, ?)",
                job, ArtifactKind.GGUF.name().toLowerCase(), key, stored.sizeBytes(), stored.sha256());

        JsonNode list = JSON.readTree(send("GET", "/api/v1/fine_tuning/jobs/" + job + "/artifacts", memberToken, null)
                .body());
        assertThat(list.path("data").findValuesAsString("name")).containsExactlyInAnyOrder("predictions", "gguf");
        JsonNode ggufLine = list.path("data").findParents("name").stream()
                .filter(n -> n.path("name").asString().equals("gguf")).findFirst().orElseThrow();
        assertThat(ggufLine.path("bytes").asLong()).isEqualTo(4096);
        assertThat(ggufLine.path("kind").asString()).isEqualTo("gguf");
        assertThat(ggufLine.path("checksum").asString()).isEqualTo("sha256:" + stored.sha256());

        String content = "/api/v1/fine_tuning/jobs/" + job + "/artifacts/gguf/content";
        HttpResponse<byte[]> whole = bytes(content, memberToken, null);
        assertThat(whole.statusCode()).as(new String(whole.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(gguf);
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");

        HttpResponse<byte[]> part = bytes(content, memberToken, "bytes=100-199");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(gguf, 100, 200));
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 100-199/4096");

        HttpResponse<byte[]> zip = bytes("/api/v1/fine_tuning/jobs/" + job + "/artifacts/predictions/content",
                memberToken, null);
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.headers().firstValue("Content-Type")).hasValue("application/zip");
        List<String> entries = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                entries.add(entry.getName());
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("Hello there");
            }
        }
        assertThat(entries).containsExactly("predictions.jsonl");
    }

    @Test
    void anotherTeamsArtifactsAndAMissingArtifactAnswerNotFound() throws Exception {
        long job = new PredictionsFixtures(jdbc, store).succeededJob(members, "private-" + suffix,
                List.of(new PredictionsFixtures.Row("Hi", "Hello", "Hey", "Hello there")));
        String stranger = tokens.create(fixtures.team(1, modelDir.toString()).as(Role.MEMBER), "t", Optional.empty())
                .token();

        assertThat(send("GET", "/api/v1/fine_tuning/jobs/" + job + "/artifacts", stranger, null).statusCode())
                .isEqualTo(404);
        assertThat(bytes("/api/v1/fine_tuning/jobs/" + job + "/artifacts/predictions/content", stranger, null)
                .statusCode()).isEqualTo(404);
        assertThat(bytes("/api/v1/fine_tuning/jobs/" + job + "/artifacts/merged/content", memberToken, null)
                .statusCode()).isEqualTo(404);
    }

    @Test
    void theSignedInBrowsersSessionDownloadsArtifactsButAuthenticatesNoOtherApiRequest() throws Exception {
        long job = new PredictionsFixtures(jdbc, store).succeededJob(members, "browser-" + suffix,
                List.of(new PredictionsFixtures.Row("Hi", "Hello", "Hey", "Hello there")));
        assertThat(send("POST", "/api/v1/users", adminToken, """
                {"username": "web-%s", "password": "correct-horse-battery", "team": "team-%s"}"""
                .formatted(suffix, members.suffix())).statusCode()).isEqualTo(201);
        HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .cookieHandler(new java.net.CookieManager()).build();
        String login = browser.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        var csrf = java.util.regex.Pattern.compile("csrfToken\":\"([^\"]+)\"|name=\"_csrf\" content=\"([^\"]+)\"")
                .matcher(login);
        String token = csrf.find() ? (csrf.group(1) != null ? csrf.group(1) : csrf.group(2)) : "";
        HttpResponse<String> signedIn = browser.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=web-" + suffix
                        + "&password=correct-horse-battery&_csrf=" + token)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).doesNotContain("error"));

        HttpResponse<byte[]> download = browser.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/api/v1/fine_tuning/jobs/" + job + "/artifacts/predictions/content")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<String> listing = browser.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/api/v1/fine_tuning/jobs/" + job + "/artifacts")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(listing.statusCode()).isEqualTo(401);
    }

    @Test
    void theConfiguredAdminTokenIsRegisteredForTheConfiguredAdministratorOnceAndAShortOneStopsTheStart()
            throws Exception {
        String configured = "tf_" + "k".repeat(20) + suffix + "x".repeat(12);
        String username = jdbc.queryForObject("select username from users where id = ?", String.class,
                admins.userId());
        ConfiguredAdminToken component = new ConfiguredAdminToken(tokens, accounts, configured, username);

        component.registerIfConfigured();
        component.registerIfConfigured();

        assertThat(send("GET", "/api/v1/teams", configured, null).statusCode()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select count(*) from api_tokens where user_id = ? and name = ?",
                Integer.class, admins.userId(), ConfiguredAdminToken.TOKEN_NAME)).isEqualTo(1);
        assertThatThrownBy(() -> new ConfiguredAdminToken(tokens, accounts, "tf_tooshort", username))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TUNEFORGE_ADMIN_TOKEN")
                .hasMessageContaining("at least 32");
    }

    @Test
    void theOpenApiDocumentDescribesTheAutomationEndpoints() throws Exception {
        JsonNode paths = JSON.readTree(send("GET", "/v3/api-docs", null, null).body()).path("paths");

        for (String path : List.of("/api/v1/teams", "/api/v1/teams/{id}", "/api/v1/users", "/api/v1/users/{id}",
                "/api/v1/users/{id}/tokens", "/api/v1/workers", "/api/v1/workers/{id}/drain",
                "/api/v1/fine_tuning/jobs/{id}/artifacts", "/api/v1/fine_tuning/jobs/{id}/artifacts/{name}/content")) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        assertThat(paths.path("/api/v1/models").has("post")).isTrue();
    }

    private static void assertRefusedField(HttpResponse<String> response, String field) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("field").asString()).as(response.body()).isEqualTo(field);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
    }

    private HttpResponse<String> send(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> bytes(String path, String token, String range) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + token).GET();
        if (range != null) {
            request.header("Range", range);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
