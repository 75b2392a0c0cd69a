package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.team.Team;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.web.testing.StoriesJobs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI's chat completions over real models on a real port: stories260K as a base model and a real PEFT adapter
 * stored for a succeeded job as {@code ft:<job id>}; whole answers and server-sent events.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChatCompletionsApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    UserAccountService accounts;
    @Autowired
    TeamRepository teams;
    @Autowired
    ApiTokenService tokens;
    @Autowired
    StoriesJobs stories;

    final HttpClient http = HttpClient.newHttpClient();
    Actor member;
    String token;
    String baseModel;
    long jobId;

    @BeforeEach
    void aTeamWithStoriesAndATunedJob() {
        member = member();
        token = tokens.create(member, "test", Optional.empty()).token();
        jobId = stories.succeeded("chat-lora", member);
        baseModel = stories.baseModelName(jobId);
    }

    @Test
    void aGreedyCompletionOfTheBaseModelIsOpenAiShapedAndRepeatable() throws Exception {
        HttpResponse<String> first = complete(greedy(baseModel, "Who is Lily?", false));
        HttpResponse<String> second = complete(greedy(baseModel, "Who is Lily?", false));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode completion = JSON.readTree(first.body());
        assertThat(completion.path("object").asString()).isEqualTo("chat.completion");
        assertThat(completion.path("id").asString()).startsWith("chatcmpl-");
        assertThat(completion.path("model").asString()).isEqualTo(baseModel);
        JsonNode choice = completion.path("choices").get(0);
        assertThat(choice.path("message").path("role").asString()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asString()).isNotBlank();
        assertThat(choice.path("finish_reason").asString()).isIn("stop", "length");
        JsonNode usage = completion.path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isPositive();
        assertThat(usage.path("completion_tokens").asInt()).isBetween(1, 12);
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
        assertThat(content(second)).as("greedy is repeatable").isEqualTo(choice.path("message").path("content")
                .asString());
    }

    @Test
    void theTunedModelAnswersDifferentlyFromItsBase() throws Exception {
        String base = content(complete(greedy(baseModel, "Who is Lily?", false)));
        HttpResponse<String> tuned = complete(greedy("ft:" + jobId, "Who is Lily?", false));

        assertThat(tuned.statusCode()).as(tuned.body()).isEqualTo(200);
        assertThat(content(tuned)).isNotBlank().as("the adapter changes the answer").isNotEqualTo(base);
    }

    @Test
    void aStreamedCompletionSendsTheRoleThePiecesTheFinishReasonAndDone() throws Exception {
        String whole = content(complete(greedy(baseModel, "Who is Lily?", false)));

        HttpResponse<String> streamed = complete(greedy(baseModel, "Who is Lily?", true));

        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        List<String> events = streamed.body().lines().filter(l -> l.startsWith("data:"))
                .map(l -> l.substring("data:".length())).toList();
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : events.subList(0, events.size() - 1)) {
            chunks.add(JSON.readTree(event));
        }
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("object").asString()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.getFirst().path("choices").get(0).path("delta").path("role").asString())
                .isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.path("choices").get(0).path("delta").path("content").asString("")));
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asString()).isIn("stop", "length");
    }

    @Test
    void badRequestsAreRefusedWithTheFieldNamedAndAnotherTeamsTunedModelIsNotFound() throws Exception {
        HttpResponse<String> unknown = complete(greedy("no-such-model", "Hi", false));
        HttpResponse<String> endsWithAssistant = complete("""
                {"model": "%s", "messages": [{"role": "user", "content": "Hi"},
                 {"role": "assistant", "content": "Hello"}]}""".formatted(baseModel));
        HttpResponse<String> badTuned = complete(greedy("ft:abc", "Hi", false));
        String otherToken = tokens.create(member(), "other", Optional.empty()).token();
        HttpResponse<String> otherTeam = send("/api/v1/chat/completions", otherToken,
                greedy("ft:" + jobId, "Hi", false));

        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(detail(unknown)).contains("\"no-such-model\" is not a base model you may use")
                .contains("GET /api/v1/models");
        assertThat(endsWithAssistant.statusCode()).isEqualTo(422);
        assertThat(detail(endsWithAssistant)).contains("messages[1]").contains("end with a user message");
        assertThat(badTuned.statusCode()).isEqualTo(422);
        assertThat(detail(badTuned)).contains("ft:<job id>");
        assertThat(otherTeam.statusCode()).isEqualTo(404);
    }

    private Actor member() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Team team = teams.save(new Team("team-" + suffix, 1));
        return Actor.of(accounts.createUser("chat-" + suffix, "Chat " + suffix, "a-long-password-1", Role.MEMBER,
                team));
    }

    /** A greedy request of at most 12 new tokens with a system prompt (stories260K has no template of its own). */
    private static String greedy(String model, String question, boolean stream) {
        return """
                {"model": "%s", "temperature": 0, "max_tokens": 12, "stream": %s, "template": "default",
                 "messages": [{"role": "system", "content": "You tell stories."},
                              {"role": "user", "content": "%s"}]}""".formatted(model, stream, question);
    }

    private HttpResponse<String> complete(String json) throws Exception {
        return send("/api/v1/chat/completions", token, json);
    }

    private HttpResponse<String> send(String path, String bearer, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String content(HttpResponse<String> response) {
        return JSON.readTree(response.body()).path("choices").get(0).path("message").path("content").asString();
    }

    private static String detail(HttpResponse<String> response) {
        return JSON.readTree(response.body()).path("detail").asString();
    }
}
