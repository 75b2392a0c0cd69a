package io.tuneforge.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.core.testing.JobFixtures;
import io.tuneforge.core.testing.JobFixtures.TeamSetup;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.user.Role;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
 * {@code POST /api/v1/files} through the real data pipeline: an invalid file is refused whole with its report unless
 * only the valid rows are kept, encodings are converted or refused by line, empty files and duplicates are named.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FileUploadApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String BROKEN = """
            {"instruction": "fine", "output": "ok"}
            {"instruction": "no answer"}
            {"instruction": "also fine", "output": "yes"}
            """;

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

    @BeforeEach
    void aTeam() throws Exception {
        Files.writeString(modelDir.resolve("config.json"), "{}");
        team = new JobFixtures(jdbc).team(1, modelDir.toString());
        token = tokens.create(team.as(Role.MEMBER), "test", Optional.empty()).token();
    }

    @Test
    void anInvalidFileIsRefusedWholeWithItsReportAndNothingIsStored() throws Exception {
        String dataset = "broken-" + team.suffix();

        HttpResponse<String> response = upload("broken.jsonl", dataset, "", utf8(BROKEN));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("type").asString()).endsWith("/invalid-dataset");
        assertThat(problem.path("file").asString()).isEqualTo("broken.jsonl");
        assertThat(problem.path("rows").asInt()).isEqualTo(3);
        assertThat(problem.path("problem_count").asInt()).isEqualTo(1);
        assertThat(problem.path("counts_by_kind").path("MISSING_FIELD").asInt()).isEqualTo(1);
        JsonNode first = problem.path("problems").get(0);
        assertThat(first.path("file").asString()).isEqualTo("broken.jsonl");
        assertThat(first.path("row").asInt()).isEqualTo(2);
        assertThat(first.path("field").asString()).isEqualTo("output");
        assertThat(first.path("reason").asString()).isNotBlank();
        assertThat(jdbc.queryForObject("select count(*) from datasets where name = ?", Integer.class, dataset)).isZero();
    }

    @Test
    void dropInvalidStoresOnlyTheValidRowsAndReportsHowManyWereDropped() throws Exception {
        HttpResponse<String> response = upload("broken.jsonl", "kept-" + team.suffix(), "&drop_invalid=true",
                utf8(BROKEN));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode file = JSON.readTree(response.body());
        assertThat(file.path("status").asString()).isEqualTo("valid");
        assertThat(file.path("validation").path("rows").asInt()).isEqualTo(2);
        assertThat(file.path("validation").path("dropped").asInt()).isEqualTo(1);
        assertThat(file.path("validation").path("problems").get(0).path("row").asInt()).isEqualTo(2);
    }

    @Test
    void syntaxErrorsAreListedBeforeThePerRowProblems() throws Exception {
        HttpResponse<String> response = upload("mixed.jsonl", "mixed-" + team.suffix(), "&format=alpaca", utf8("""
                {"instruction": "no answer"}
                {"instruction": "cut off
                {"instruction": "fine", "output": "ok"}
                """));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonNode problems = JSON.readTree(response.body()).path("problems");
        assertThat(problems.get(0).path("row").asInt()).as(response.body()).isEqualTo(2);
        assertThat(problems.get(1).path("field").asString()).as(response.body()).isEqualTo("output");
    }

    @Test
    void utf16AndUtf32WithAByteOrderMarkAreConvertedAndUtf8WithOneIsAccepted() throws Exception {
        String text = "\uFEFF{\"instruction\": \"Grüß dich\", \"output\": \"Hallo\"}\n";
        for (String charset : new String[] {"UTF-8", "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"}) {
            HttpResponse<String> response = upload("wide.jsonl", charset + "-" + team.suffix(), "",
                    text.getBytes(Charset.forName(charset)));

            assertThat(response.statusCode()).as(charset + " " + response.body()).isEqualTo(201);
            assertThat(JSON.readTree(response.body()).path("status").asString()).as(charset).isEqualTo("valid");
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedNamingTheLine() throws Exception {
        byte[] start = utf8("{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"caf");
        ByteArrayOutputStream bad = new ByteArrayOutputStream();
        bad.writeBytes(start);
        bad.write(0xE9);
        bad.writeBytes(utf8("\", \"output\": \"c\"}\n"));

        HttpResponse<String> response = upload("latin1.jsonl", "latin1-" + team.suffix(), "", bad.toByteArray());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(detail(response)).contains("line 2", "save the file as UTF-8");
    }

    @Test
    void utf16WithoutAByteOrderMarkIsRefusedNotAServerError() throws Exception {
        HttpResponse<String> response = upload("wide.jsonl", "nobom-" + team.suffix(), "",
                "{\"text\": \"hi\"}\n".getBytes(StandardCharsets.UTF_16LE));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    }

    @Test
    void aWhitespaceOnlyFileIsEmpty() throws Exception {
        HttpResponse<String> response = upload("blank.jsonl", "blank-" + team.suffix(), "", utf8("  \n\t\r\n \n"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(detail(response)).contains("the file is empty");
    }

    @Test
    void anUnclosedCsvQuoteIsNamedByLine() throws Exception {
        HttpResponse<String> response = upload("quotes.csv", "quotes-" + team.suffix(), "", utf8("""
                instruction,output
                hi,hello
                "unclosed,oops
                more,rows
                """));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(detail(response)).contains("line 3", "never closed").doesNotContain("cannot tell the format");
    }

    @Test
    void anUnclosedCsvQuoteInTheFirstRowIsNamedInsteadOfCannotTellTheFormat() throws Exception {
        HttpResponse<String> response = upload("first.csv", "first-" + team.suffix(), "", utf8("""
                instruction,output
                "unclosed,oops
                more,rows
                """));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(detail(response)).contains("line 2", "never closed").doesNotContain("cannot tell the format");
    }

    @Test
    void anExactDuplicateOfAVersionIsRefusedNamingIt() throws Exception {
        String dataset = "twice-" + team.suffix();
        String content = "{\"instruction\": \"a\", \"output\": \"b\"}\n";
        HttpResponse<String> first = upload("twice.jsonl", dataset, "", utf8(content));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);

        HttpResponse<String> again = upload("again.jsonl", dataset, "", utf8(content));

        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        JsonNode problem = JSON.readTree(again.body());
        assertThat(problem.path("existing_version").asInt()).isEqualTo(1);
        assertThat(problem.path("existing_file_id").asLong()).isEqualTo(JSON.readTree(first.body()).path("id").asLong());
        assertThat(problem.path("detail").asString()).contains("version 1");
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String detail(HttpResponse<String> response) {
        return JSON.readTree(response.body()).path("detail").asString();
    }

    @Test
    void anUploadBeingReceivedIsWrittenUnderThePlatformHomeWhereTheStartUpSweepRemovesWhatAKillLeaves(
            @Autowired PlatformHome home) throws Exception {
        Path parts = home.datasets().resolve(".incoming").resolve("multipart");
        String boundary = "----tuneforge" + team.suffix();
        byte[] head = utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jsonl\""
                + "\r\nContent-Type: application/octet-stream\r\n\r\n");
        byte[] rows = utf8("{\"instruction\": \"Say hi\", \"output\": \"Hi!\"}\n".repeat(20_000));
        try (java.net.Socket client = new java.net.Socket("localhost", port)) {
            java.io.OutputStream out = client.getOutputStream();
            out.write(utf8("POST /api/v1/files?dataset=half-" + team.suffix() + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + token + "\r\nContent-Type: multipart/form-data; boundary=" + boundary
                    + "\r\nContent-Length: " + (head.length + 10L * rows.length) + "\r\n\r\n"));
            out.write(head);
            out.write(rows); // a tenth of the announced body: the client is still sending when the platform dies
            out.flush();

            Polling.until(() -> bytesIn(parts) >= rows.length / 2);
        }
        assertThat(parts).isDirectory();
    }

    private static long bytesIn(Path folder) {
        try (var files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0; // a part vanished while listing: poll again
        }
    }

    /** Polls a condition for up to 30 s. */
    private static final class Polling {
        static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("condition not met within 30 s");
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void aColumnsFieldMapsPromptAnswerRowsAndIsStoredWithTheFile() throws Exception {
        String rows = "{\"question\": \"Capital of France?\", \"answer\": \"Paris\"}\n";
        HttpResponse<String> unmapped = upload("qa.jsonl", "qa-" + team.suffix(), "", utf8(rows));
        String columns = java.net.URLEncoder.encode("{\"prompt\": \"question\", \"response\": \"answer\"}",
                StandardCharsets.UTF_8);

        HttpResponse<String> mapped = upload("qa.jsonl", "qa-" + team.suffix(), "&columns=" + columns, utf8(rows));

        assertThat(unmapped.statusCode()).as(unmapped.body()).isEqualTo(422);
        assertThat(detail(unmapped)).contains("{\"prompt\":\"question\",\"response\":\"answer\"}");
        assertThat(mapped.statusCode()).as(mapped.body()).isEqualTo(201);
        JsonNode file = JSON.readTree(mapped.body());
        assertThat(file.path("format").asString()).isEqualTo("alpaca");
        assertThat(file.path("status").asString()).isEqualTo("valid");
        assertThat(file.path("column_mapping").path("columns").path("prompt").asString()).isEqualTo("question");
    }

    @Test
    void aParquetFileIsStoredAsAValidVersion() throws Exception {
        byte[] parquet = Files.readAllBytes(Path.of(FileUploadApiTest.class.getResource("/parquet/alpaca-snappy.parquet")
                .toURI()));

        HttpResponse<String> response = upload("alpaca.parquet", "pq-" + team.suffix(), "", parquet);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode file = JSON.readTree(response.body());
        assertThat(file.path("format").asString()).isEqualTo("alpaca");
        assertThat(file.path("status").asString()).isEqualTo("valid");
        assertThat(file.path("validation").path("rows").asInt()).isEqualTo(5);
    }

    @Test
    void aTruncatedParquetFileIsRefusedSayingSo() throws Exception {
        byte[] parquet = Files.readAllBytes(Path.of(FileUploadApiTest.class.getResource("/parquet/alpaca-snappy.parquet")
                .toURI()));

        HttpResponse<String> response = upload("cut.parquet", "cut-" + team.suffix(), "",
                java.util.Arrays.copyOf(parquet, parquet.length - 50));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(detail(response)).contains("cut.parquet: the Parquet file is truncated");
    }

    @Test
    void anUnknownColumnKeyIsRefusedNamingIt() throws Exception {
        String columns = java.net.URLEncoder.encode("{\"promt\": \"question\"}", StandardCharsets.UTF_8);

        HttpResponse<String> response = upload("qa.jsonl", "typo-" + team.suffix(), "&format=alpaca&columns=" + columns,
                utf8("{\"question\": \"q\", \"answer\": \"a\"}\n"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(detail(response)).contains("unknown column key 'promt'");
    }

    private HttpResponse<String> upload(String fileName, String dataset, String query, byte[] content) throws Exception {
        String boundary = "----tuneforge" + team.suffix();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
        body.writeBytes(content);
        body.writeBytes(utf8("\r\n--" + boundary + "--\r\n"));
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/files?dataset="
                        + dataset + query))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
