package io.tuneforge.web.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DatasetVersion;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.Role;
import io.tuneforge.core.user.UserAccountService;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.cli.TrainerCli;
import io.tuneforge.trainer.data.DatasetSpec;
import io.tuneforge.trainer.data.Datasets;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.LoadedDataset;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.web.api.ApiTokenService;
import io.tuneforge.web.testing.SignedIn;
import io.tuneforge.web.testing.Workspace;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A ShareGPT preference file ({@code conversations} with {@code chosen}/{@code rejected} answers, as LLaMA-Factory's
 * {@code dpo_en_demo.json} and MedicalGPT's DPO data) is preference data wherever it enters: an upload in the UI, the
 * REST API, the CLI, and the worker, which reads the format the upload stored. Before the platform read datasets
 * through the data pipeline, uploads called it ShareGPT.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ShareGptPreferenceFormatTest {

    @Autowired
    DatasetService datasets;

    @Autowired
    UserAccountService accounts;

    @Autowired
    TeamRepository teams;

    @Autowired
    ApiTokenService tokens;

    @LocalServerPort
    int port;

    @AfterEach
    void signOut() {
        SignedIn.signOut();
    }

    @ParameterizedTest
    @ValueSource(strings = {"datasets/llama_factory/dpo_en_demo.json", "datasets/medicalgpt/dpo_zh_500.jsonl"})
    void anUploadIsDetectedAsPreferenceAndTheWorkerReadsItAsPreference(String relative) throws Exception {
        Path file = Workspace.fixture(relative);
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);

        VersionDetails version;
        try (InputStream content = Files.newInputStream(file)) {
            version = datasets.upload(actor, "dpo-" + UUID.randomUUID(), file.getFileName().toString(), content,
                    Optional.empty());
        }

        assertThat(version.format()).isEqualTo(DatasetFormat.PREFERENCE);
        assertThat(version.status()).as(version.report().toJson()).isEqualTo(DatasetVersion.Status.VALID);
        assertThat(datasets.preview(actor, version.id(), 1)).singleElement()
                .satisfies(row -> assertThat(row.value().has("chosen")).isTrue());
        // the worker loads a job's dataset as the format stored with its version (dataset_versions.format)
        LoadedDataset loaded = Datasets.load(DatasetSpec.of(datasets.sourceFile(actor, version.id()),
                DatasetFormat.parse(version.format().cliName())), ValidationOptions.defaults().withDropInvalidRows(true));
        assertThat(loaded.examples()).isNotEmpty().allSatisfy(e -> assertThat(e.kind()).isEqualTo(ExampleKind.PREFERENCE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"datasets/llama_factory/dpo_en_demo.json", "datasets/medicalgpt/dpo_zh_500.jsonl"})
    void theRestApiDetectsPreference(String relative) throws Exception {
        Path file = Workspace.fixture(relative);
        Actor actor = SignedIn.as(Role.MEMBER, accounts, teams);
        String token = tokens.create(actor, "test", Optional.empty()).token();
        String boundary = "----tuneforge" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + file.getFileName() + "\"\r\nContent-Type: application/json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(file));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/files?dataset=dpo-" + UUID.randomUUID()))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode created = JsonMapper.builder().build().readTree(response.body());
        assertThat(created.path("format").asString()).isEqualTo("preference");
        assertThat(created.path("status").asString()).isEqualTo("valid");
    }

    @ParameterizedTest
    @ValueSource(strings = {"datasets/llama_factory/dpo_en_demo.json", "datasets/medicalgpt/dpo_zh_500.jsonl"})
    void theCliDetectsPreference(String relative) {
        Path file = Workspace.fixture(relative);
        StringWriter out = new StringWriter();
        CommandLine cli = TrainerCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));

        int code = cli.execute("dataset", "validate", "--file", file.toString());

        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("VALID").contains("format preference, detected");
    }
}
