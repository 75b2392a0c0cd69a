package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DatasetCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = TrainerCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void validateExitsZeroForAValidFile() {
        Path file = Fixtures.path("datasets/llama_factory/identity.json");

        int code = run("dataset", "validate", "--file", file.toString());

        assertThat(code).isZero();
        assertThat(out.toString()).contains("VALID").contains("format alpaca, detected").contains("records: 91");
    }

    @Test
    void validateReadsAParquetFileLikeAJsonOne() throws Exception {
        Path file = Path.of(DatasetCommandTest.class.getResource("/parquet/sharegpt-clean.parquet").toURI());

        int code = run("dataset", "validate", "--file", file.toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("VALID").contains("format sharegpt, detected").contains("records: 3");
    }

    @Test
    void validateOfAFileNamedParquetThatIsNotParquetSaysSo() throws IOException {
        Path file = Files.writeString(dir.resolve("data.parquet"), "{\"instruction\": \"a\", \"output\": \"b\"}\n");

        int code = run("dataset", "validate", "--file", file.toString());

        assertThat(code).isEqualTo(1);
        assertThat(out.toString() + err).contains("data.parquet: not a Parquet file");
    }

    @Test
    void validateExitsNonZeroAndPrintsJsonForAnInvalidFile() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.jsonl"), "{\"instruction\": \"a\"}\n");

        int code = run("dataset", "validate", "--file", file.toString(), "--format", "alpaca", "--json");

        assertThat(code).isEqualTo(1);
        JsonNode report = JsonMapper.builder().build().readTree(out.toString());
        assertThat(report.get("valid").asBoolean()).isFalse();
        assertThat(report.get("problems").get(0).get("field").asString()).isEqualTo("output");
        assertThat(report.get("problems").get(0).get("line").asInt()).isEqualTo(1);
    }

    @Test
    void columnsMapOtherFieldNamesAndTheUnmappedFileNamesTheMappingToUse() throws IOException {
        Path file = Files.writeString(dir.resolve("qa.jsonl"), """
                {"question": "Capital of France?", "answer": "Paris"}
                {"question": "2 + 2?", "answer": "4"}
                """);

        int unmapped = run("dataset", "validate", "--file", file.toString());
        String unmappedReport = out.toString();
        out.getBuffer().setLength(0);
        int mapped = run("dataset", "validate", "--file", file.toString(), "--columns",
                "{\"prompt\": \"question\", \"response\": \"answer\"}");

        assertThat(unmapped).isEqualTo(1);
        assertThat(unmappedReport).contains("{\"prompt\":\"question\",\"response\":\"answer\"}");
        assertThat(mapped).as(out.toString()).isZero();
        assertThat(out.toString()).contains("VALID").contains("format alpaca").contains("records: 2");
    }

    @Test
    void aMistypedColumnKeyIsAUsageErrorNamingIt() throws IOException {
        Path file = Files.writeString(dir.resolve("qa.jsonl"), "{\"question\": \"q\", \"answer\": \"a\"}\n");

        int code = run("dataset", "validate", "--file", file.toString(), "--columns", "{\"promt\": \"question\"}");

        assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("unknown column key 'promt'");
    }

    @Test
    void validateReadsADatasetInfoEntryByName() {
        Path folder = Fixtures.path("datasets/llama_factory");

        int code = run("dataset", "validate", "--dataset-dir", folder.toString(), "--name", "dpo_en_demo");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("format preference");
    }

    @Test
    void validateOfAWholeFolderListsUnavailableEntriesWithReasons() {
        Path folder = Fixtures.path("datasets/llama_factory");

        int code = run("dataset", "validate", "--dataset-dir", folder.toString());

        assertThat(code).isZero();
        assertThat(out.toString()).contains("[identity]").contains("alpaca_en: needs a download (hf_hub_url")
                .contains("all available datasets are valid");
    }

    @Test
    void unknownFormatIsAUsageError() {
        int code = run("dataset", "validate", "--file", "x.json", "--format", "yaml");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown dataset format 'yaml'");
    }

    @Test
    void previewMarksTrainedSpansAndPrintsStatistics() {
        Path file = Fixtures.path("datasets/llama_factory/identity.json");
        Path model = Fixtures.path("tokenizers/llama3");

        int code = run("dataset", "preview", "--file", file.toString(), "--model", model.toString(), "--samples", "1",
                "--cutoff", "32");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("[[Hello! I am {{name}}").contains("<|eot_id|>]]")
                .contains("rows: 91").contains("truncated at cutoff 32:").contains("token-length histogram");
    }

    @Test
    void validateMeasuresTheCutoffInTokensWhenAModelIsGiven() {
        Path file = Fixtures.path("datasets/llama_factory/identity.json");
        Path model = Fixtures.path("tokenizers/llama3");

        int code = run("dataset", "validate", "--file", file.toString(), "--cutoff", "40", "--model", model.toString(),
                "--json");

        assertThat(code).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(out.toString());
        assertThat(report.get("length_unit").asString()).isEqualTo("tokens");
        assertThat(report.get("counts").get("TOO_LONG").asInt()).isPositive();
        assertThat(report.get("problems").get(0).get("reason").asString()).contains("tokens long");
    }
}
