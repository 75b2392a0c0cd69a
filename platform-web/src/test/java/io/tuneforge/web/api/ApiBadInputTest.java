package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.user.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 * Ordinary bad input never makes the API fail: each case answers a 4xx problem detail naming what was wrong, and a
 * corpus of malformed requests sent to every endpoint of the OpenAPI document answers no 5xx.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiBadInputTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String HUGE = "x".repeat(5_000);

    @LocalServerPort
    int port;
    @Autowired
    ApiTokenService tokens;
    @Autowired
    JdbcTemplate jdbc;

    @TempDir
    Path modelDir;

    final HttpClient http = HttpClient.newHttpClient();
    TeamSetup team;
    String token;
    String modelName;

    @BeforeEach
    void aTeamWithAModelAndAValidDataset() throws Exception {
        Files.writeString(modelDir.resolve("config.json"), """
                {"hidden_size": 64, "num_hidden_layers": 5, "intermediate_size": 172, "num_attention_heads": 8,
                 "num_key_value_heads": 4, "vocab_size": 512, "tie_word_embeddings": true}""");
        Files.writeString(modelDir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        team = new JobFixtures(jdbc).team(1, modelDir.toString());
        token = tokens.create(team.as(Role.MEMBER), "test", Optional.empty()).token();
        modelName = jdbc.queryForObject("select name from base_models where id = ?", String.class, team.modelId());
    }

    @Test
    void zeroMaxAttemptsIsRefusedByName() throws Exception {
        assertProblem(post("/api/v1/fine_tuning/jobs", job("\"max_attempts\": 0")), 422, "max_attempts");
    }

    @Test
    void aSuffixOver200CharactersIsRefusedByName() throws Exception {
        assertProblem(post("/api/v1/fine_tuning/jobs", job("\"suffix\": \"" + "s".repeat(201) + "\"")), 422,
                "suffix is 201 characters long: at most 200 characters");
    }

    @Test
    void chatWithANegativeJobIdAnswersNotFound() throws Exception {
        assertProblem(post("/api/v1/chat/completions", chat("ft:-1")), 404, "-1");
    }

    @Test
    void chatWithACancelledJobIsRefusedByName() throws Exception {
        JobFixtures fixtures = new JobFixtures(jdbc);
        long id = fixtures.queuedJob(team, "cancelled-" + team.suffix());
        jdbc.update("update fine_tuning_jobs set status = 'cancelled', finished_at = now() where id = ?", id);

        HttpResponse<String> response = post("/api/v1/chat/completions", chat("ft:" + id));

        assertProblem(response, 409, "cancelled");
    }

    @Test
    void aWebhookWithoutUrlIsRefusedByName() throws Exception {
        assertProblem(post("/api/v1/webhooks", "{}"), 422, "url");
    }

    @Test
    void aWebhookToCloudMetadataOrThePlatformItselfIsRefusedByName() throws Exception {
        assertProblem(post("/api/v1/webhooks", "{\"url\": \"http://169.254.169.254/latest/meta-data/\"}"), 422,
                "url");
        assertProblem(post("/api/v1/webhooks", "{\"url\": \"http://localhost:15432/\"}"), 422, "url");
        assertProblem(post("/api/v1/webhooks", "{\"url\": \"http://10.0.0.5/hook\"}"), 422, "internal address");
    }

    @Test
    void aWebhookUrlOver2000CharactersIsRefusedByName() throws Exception {
        assertProblem(post("/api/v1/webhooks", "{\"url\": \"https://example.com/" + "a".repeat(2_000) + "\"}"),
                422, "2000 characters");
    }

    @Test
    void malformedJsonNamesLineAndColumnOfTheSyntaxError() throws Exception {
        HttpResponse<String> response = post("/api/v1/webhooks", "{\n  \"url\": \"https://example.com\",\n  oops\n}");

        assertProblem(response, 400, "line 3, column 3");
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedNamingTheField() throws Exception {
        HttpResponse<String> response = post("/api/v1/fine_tuning/jobs",
                "{\"model\": \"m\", \"training_file\": \"not-a-number\"}");

        assertProblem(response, 400, "training_file");
    }

    @Test
    void aNulCharacterInTextIsRefusedNamingTheField() throws Exception {
        assertProblem(post("/api/v1/fine_tuning/jobs", job("\"suffix\": \"a\\u0000b\"")), 400,
                "Field 'suffix' cannot be read: text may not contain NUL");
    }

    @Test
    void aFileNameWithNulIsRefusedNamingTheFile() throws Exception {
        HttpResponse<String> response = upload("bad\u0000name.json");

        assertProblem(response, 400, "file name");
        assertThat(JSON.readTree(response.body()).path("field").asString()).isEqualTo("file");
    }

    @Test
    void aFileNameWithControlCharactersAndFoldersIsCleaned() throws Exception {
        HttpResponse<String> response = upload("..\\..\\dir/sub/we\u0007ird\tname.json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(JSON.readTree(response.body()).path("filename").asString()).isEqualTo("weirdname.json");
    }

    @Test
    void aFileNameOf5000CharactersIsShortenedKeepingItsExtension() throws Exception {
        HttpResponse<String> response = upload("n".repeat(5_000) + ".json");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        String name = JSON.readTree(response.body()).path("filename").asString();
        assertThat(name).hasSizeLessThanOrEqualTo(200).endsWith(".json");
    }

    /**
     * Every operation of {@code /v3/api-docs}, with its path ids replaced by odd values and its JSON body by a
     * corpus of broken ones (bad syntax, wrong types, missing fields, huge strings, negative ids): none answers 5xx.
     */
    @Test
    void noEndpointAnswers5xxToMalformedRequests() throws Exception {
        JsonNode doc = JSON.readTree(send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET()).body());
        List<String> failures = new ArrayList<>();
        int sent = 0;
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                String method = operation.getKey().toUpperCase();
                for (String target : targets(path.getKey())) {
                    for (String body : bodies(doc, operation.getValue(), validBody(method + " " + path.getKey()))) {
                        HttpResponse<String> response = send(request(method, target, body));
                        sent++;
                        boolean problem = response.headers().firstValue("Content-Type")
                                .filter(t -> t.startsWith("application/problem+json")).isPresent();
                        // Tomcat itself refuses a NUL in the path, before the application, with its own page
                        boolean fromApplication = !target.contains("%00");
                        if (response.statusCode() >= 500 || response.statusCode() >= 400 && !problem
                                && fromApplication) {
                            failures.add(method + " " + abbreviate(target) + " " + abbreviate(body) + " -> "
                                    + response.statusCode() + " " + abbreviate(response.body()));
                        }
                    }
                }
            }
        }
        assertThat(sent).isGreaterThan(100);
        assertThat(failures).isEmpty();
    }

    /** The path with each {@code {param}} replaced by values a client might send by mistake. */
    private static List<String> targets(String template) {
        if (!template.contains("{")) {
            return List.of(template + "?limit=-1&page=-5&after=-1&name=" + "q".repeat(300), template);
        }
        List<String> targets = new ArrayList<>();
        for (String value : List.of("-1", "0", "99999999999", "abc", "9223372036854775808", "1.5", "%00")) {
            targets.add(template.replaceAll("\\{[^}]+}", value));
        }
        return targets;
    }

    /**
     * A body that passes the first checks of an operation, so that each broken property also reaches the deeper
     * ones (empty where any body will do).
     */
    private Map<String, Object> validBody(String operation) {
        return switch (operation) {
            case "POST /api/v1/fine_tuning/jobs" -> Map.of("model", modelName, "training_file",
                    team.datasetVersionId(), "suffix", "fuzz");
            case "POST /api/v1/chat/completions" -> Map.of("model", "ft:" + Long.MAX_VALUE, "messages",
                    List.of(Map.of("role", "user", "content", "Hi")), "max_tokens", 1);
            case "POST /api/v1/webhooks" -> Map.of("url", "https://example.com/hook");
            default -> Map.of();
        };
    }

    /**
     * Broken bodies: generic ones, then for each property of the operation's JSON schema each wrong kind, alone and
     * in an otherwise valid body.
     */
    private static Set<String> bodies(JsonNode doc, JsonNode operation, Map<String, Object> valid) {
        Set<String> bodies = new LinkedHashSet<>(List.of("", "{", "[]", "null", "\"text\"", "{}", "{\"a\":",
                "not json", "{\"a\": 1} trailing", "\u0000"));
        JsonNode schema = operation.path("requestBody").path("content").path("application/json").path("schema");
        String ref = schema.path("$ref").asString("");
        if (!ref.isEmpty()) {
            schema = doc.path("components").path("schemas").path(ref.substring(ref.lastIndexOf('/') + 1));
        }
        Iterator<String> properties = schema.path("properties").propertyNames().iterator();
        while (properties.hasNext()) {
            String property = properties.next();
            for (String value : List.of("\"" + HUGE + "\"", "-1", "-9223372036854775808", "1e400", "{}", "[1]",
                    "true", "null", "\"\\u0000\"", "\"ft:-1\"", "\"" + "ft:" + HUGE + "\"")) {
                bodies.add("{\"" + property + "\": " + value + "}");
                if (!valid.isEmpty()) {
                    Map<String, Object> others = new LinkedHashMap<>(valid);
                    others.remove(property);
                    String rest = others.isEmpty() ? "}" : ", " + JSON.writeValueAsString(others).substring(1);
                    bodies.add("{\"" + property + "\": " + value + rest);
                }
            }
        }
        return bodies;
    }

    private HttpRequest.Builder request(String method, String target, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(target)).header("Content-Type", "application/json");
        return switch (method) {
            case "GET" -> request.GET();
            case "DELETE" -> request.DELETE();
            default -> request.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        };
    }

    private static String abbreviate(String text) {
        return text.length() > 160 ? text.substring(0, 160) + "…" : text;
    }

    private String job(String extra) {
        return "{\"model\": \"%s\", \"training_file\": %d, %s}".formatted(modelName, team.datasetVersionId(), extra);
    }

    private static String chat(String model) {
        return "{\"model\": \"" + model + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}";
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailContains) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(detail(response)).contains(detailContains);
    }

    private static String detail(HttpResponse<String> response) {
        return JSON.readTree(response.body()).path("detail").asString();
    }

    private HttpResponse<String> upload(String fileName) throws Exception {
        String boundary = "----tuneforge" + team.suffix();
        String content = "[{\"instruction\": \"Say hi\", \"input\": \"\", \"output\": \"Hi\"}]";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/json\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
        return send(HttpRequest.newBuilder(uri("/api/v1/files"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
