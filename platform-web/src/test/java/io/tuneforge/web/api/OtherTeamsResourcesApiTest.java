package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.testing.PredictionsFixtures;
import io.tuneforge.core.user.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * Another team's resource answers exactly as a missing one: the same 404 status, the same problem fields and the same
 * detail but for the id, so that ids cannot be probed to learn what other teams have.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OtherTeamsResourcesApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MISSING = 987_654_321_098L;

    @LocalServerPort
    int port;
    @Autowired
    ApiTokenService tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ArtifactStore store;

    @TempDir
    Path modelDir;

    final HttpClient http = HttpClient.newHttpClient();
    TeamSetup owners;
    String ownerToken;
    String strangerToken;

    @BeforeEach
    void twoTeams() {
        JobFixtures fixtures = new JobFixtures(jdbc);
        owners = fixtures.team(1, modelDir.toString());
        ownerToken = tokens.create(owners.as(Role.MEMBER), "test", Optional.empty()).token();
        strangerToken = tokens.create(fixtures.team(1, modelDir.toString()).as(Role.MEMBER), "test",
                Optional.empty()).token();
    }

    @Test
    void anotherTeamsFileAnswersAsAMissingOne() throws Exception {
        long file = owners.datasetVersionId();

        assertSameAsMissing("GET", "/api/v1/files/%d", file, "");
    }

    @Test
    void anotherTeamsJobAnswersAsAMissingOneOnEveryJobEndpoint() throws Exception {
        long job = new JobFixtures(jdbc).queuedJob(owners, "private-" + owners.suffix());

        for (String path : List.of("", "/events", "/checkpoints", "/metrics")) {
            assertSameAsMissing("GET", "/api/v1/fine_tuning/jobs/%d" + path, job, "");
        }
        for (String action : List.of("/cancel", "/pause", "/resume")) {
            assertSameAsMissing("POST", "/api/v1/fine_tuning/jobs/%d" + action, job, "");
        }
    }

    @Test
    void anotherTeamsTunedModelAnswersAsAMissingOneInChat() throws Exception {
        long job = new PredictionsFixtures(jdbc, store).succeededJob(owners, "tuned-" + owners.suffix(),
                List.of(new PredictionsFixtures.Row("Hi", "Hello", "Hey", "Hello there")));

        assertSameAsMissing("POST", "/api/v1/chat/completions", job,
                "{\"model\": \"ft:%d\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
    }

    @Test
    void anotherTeamsEvaluationAndItsItemsAnswerAsMissingOnes() throws Exception {
        long job = new PredictionsFixtures(jdbc, store).succeededJob(owners, "rated-" + owners.suffix(),
                List.of(new PredictionsFixtures.Row("Hi", "Hello", "Hey", "Hello there")));
        HttpResponse<String> created = send("POST", "/api/v1/evaluations", ownerToken,
                "{\"fine_tuning_job\": " + job + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long session = JSON.readTree(created.body()).path("id").asLong();
        long item = jdbc.queryForObject("select id from rating_items where session_id = ? limit 1", Long.class,
                session);

        for (String path : List.of("", "/next_item", "/results", "/ratings.csv")) {
            assertSameAsMissing("GET", "/api/v1/evaluations/%d" + path, session, "");
        }
        assertSameAsMissing("POST", "/api/v1/evaluations/%d/close", session, "");
        assertSameAsMissing("POST", "/api/v1/evaluations/%d/preference-dataset", session, "");
        assertSameAsMissing("POST", "/api/v1/evaluation_items/%d/rating", item, """
                {"answer_a": {"relevance": 3, "accuracy": 3, "completeness": 3, "professionalism": 3, "safety": 3},
                 "answer_b": {"relevance": 3, "accuracy": 3, "completeness": 3, "professionalism": 3, "safety": 3},
                 "preference": "tie"}""");
        assertSameAsMissing("POST", "/api/v1/evaluations", job, "{\"fine_tuning_job\": %d}");
    }

    @Test
    void anotherTeamsWebhookAnswersAsAMissingOne() throws Exception {
        HttpResponse<String> registered = send("POST", "/api/v1/webhooks", ownerToken,
                "{\"url\": \"https://example.com/hook\"}");
        long webhook = JSON.readTree(registered.body()).path("id").asLong();

        assertSameAsMissing("DELETE", "/api/v1/webhooks/%d", webhook, "");
        assertThat(send("GET", "/api/v1/webhooks", ownerToken, "").body()).contains("/hook");
    }

    /**
     * The stranger's request for {@code existing} and for a missing id both answer a 404 problem with the same fields
     * and the same detail once the id is blanked out.
     */
    private void assertSameAsMissing(String method, String template, long existing, String bodyTemplate)
            throws Exception {
        HttpResponse<String> other = send(method, template.formatted(existing), strangerToken,
                bodyTemplate.formatted(existing));
        HttpResponse<String> missing = send(method, template.formatted(MISSING), strangerToken,
                bodyTemplate.formatted(MISSING));
        String what = method + " " + template;

        assertThat(other.statusCode()).as(what + ": " + other.body()).isEqualTo(404);
        assertThat(missing.statusCode()).as(what + ": " + missing.body()).isEqualTo(404);
        for (HttpResponse<String> response : List.of(other, missing)) {
            assertThat(response.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
        }
        JsonNode otherProblem = JSON.readTree(other.body());
        JsonNode missingProblem = JSON.readTree(missing.body());
        assertThat(fields(otherProblem)).as(what).isEqualTo(fields(missingProblem));
        assertThat(otherProblem.path("detail").asString().replace(String.valueOf(existing), "<id>")).as(what)
                .isEqualTo(missingProblem.path("detail").asString().replace(String.valueOf(MISSING), "<id>"));
        assertThat(otherProblem.path("type").asString()).as(what).isEqualTo(missingProblem.path("type").asString());
    }

    private static Set<String> fields(JsonNode problem) {
        Set<String> names = new TreeSet<>();
        problem.propertyNames().forEach(names::add);
        return names;
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        request = switch (method) {
            case "GET" -> request.GET();
            case "DELETE" -> request.DELETE();
            default -> request.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        };
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
