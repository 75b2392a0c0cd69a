package io.tuneforge.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.Problem;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

class DatasetValidatorTest {

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static ValidationReport validate(Path file, DatasetFormat format) {
        return DatasetValidator.validate(DatasetSpec.of(file, format), ValidationOptions.defaults());
    }

    private static ValidationReport detectAndValidate(Path file) {
        return DatasetValidator.validate(DatasetSpec.detecting(file), ValidationOptions.defaults());
    }

    @Test
    void acceptsValidAlpacaJsonl() throws IOException {
        Path f = file("a.jsonl", """
                {"instruction": "Say hi", "input": "", "output": "Hi"}
                {"instruction": "Add", "input": "1+1", "output": "2", "system": "Be brief", "history": [["q", "a"]]}
                """);

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.valid()).as(report.toText()).isTrue();
        assertThat(report.records()).isEqualTo(2);
    }

    @Test
    void rejectsAlpacaRowWithoutOutput() throws IOException {
        Path f = file("a.jsonl", """
                {"instruction": "Say hi", "input": "", "output": "Hi"}
                {"instruction": "Say bye", "input": ""}
                """);

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.valid()).isFalse();
        assertThat(report.accepted()).isFalse();
        Problem problem = report.problems().getFirst();
        assertThat(problem.kind()).isEqualTo(ProblemKind.MISSING_FIELD);
        assertThat(problem.line()).isEqualTo(2);
        assertThat(problem.recordIndex()).isEqualTo(1);
        assertThat(problem.field()).isEqualTo("output");
        assertThat(problem.describe()).contains("a.jsonl:2").contains("'output'");
    }

    @Test
    void rejectsAlpacaRowWithEmptyOutputAndWrongTypes() throws IOException {
        Path f = file("a.jsonl", """
                {"instruction": "Say hi", "output": "  "}
                {"instruction": 5, "output": "x"}
                {"instruction": "x", "output": "y", "history": "none"}
                """);

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.count(ProblemKind.EMPTY_FIELD)).isEqualTo(1);
        assertThat(report.count(ProblemKind.WRONG_TYPE)).isEqualTo(2);
        assertThat(report.invalidRecords()).isEqualTo(3);
    }

    @Test
    void reportsLineOfInvalidJson() throws IOException {
        Path f = file("a.jsonl", """
                {"instruction": "a", "output": "b"}

                {"instruction": "c", "output": "d"
                {"instruction": "e", "output": "f"}
                """);

        ValidationReport report = detectAndValidate(f);

        assertThat(report.count(ProblemKind.INVALID_JSON)).isEqualTo(1);
        Problem problem = report.problems().getFirst();
        assertThat(problem.line()).isEqualTo(3);
        assertThat(problem.reason()).startsWith("invalid JSON");
        assertThat(report.validRecords()).isEqualTo(2);
    }

    @Test
    void reportsLineOfInvalidJsonInsideAnArray() throws IOException {
        Path f = file("a.json", """
                [
                  {"instruction": "a", "output": "b"},
                  {"instruction": "c", "output": "d",}
                ]
                """);

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.fileError()).isTrue();
        assertThat(report.problems().getFirst().kind()).isEqualTo(ProblemKind.INVALID_JSON);
        assertThat(report.problems().getFirst().line()).isEqualTo(3);
    }

    @Test
    void reportsNonUtf8Line() throws IOException {
        byte[] bad = "{\"text\": \"caf\u00e9\"}\n{\"text\": \"caf".getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("t.jsonl");
        try (var out = Files.newOutputStream(f)) {
            out.write(bad);
            out.write(new byte[] {(byte) 0xE9, '"', '}', '\n'});
            out.write("{\"text\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8));
        }

        ValidationReport report = validate(f, DatasetFormat.TEXT);

        assertThat(report.count(ProblemKind.NON_UTF8)).isEqualTo(1);
        Problem problem = report.problems().getFirst();
        assertThat(problem.line()).isEqualTo(2);
        assertThat(problem.reason()).contains("0xE9").contains("UTF-8");
        assertThat(report.validRecords()).isEqualTo(2);
    }

    @Test
    void reportsNonUtf8LineInsideAJsonArray() throws IOException {
        Path f = dir.resolve("a.json");
        try (var out = Files.newOutputStream(f)) {
            out.write("[\n{\"instruction\": \"a\", \"output\": \"b\"},\n{\"instruction\": \"".getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {(byte) 0xFF});
            out.write("\", \"output\": \"b\"}\n]".getBytes(StandardCharsets.UTF_8));
        }

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.count(ProblemKind.NON_UTF8)).isEqualTo(1);
        assertThat(report.problems().getFirst().line()).isEqualTo(3);
    }

    @Test
    void rejectsEmptyFile() throws IOException {
        Path f = file("e.jsonl", "\n\n");

        ValidationReport report = detectAndValidate(f);

        assertThat(report.fileError()).isTrue();
        assertThat(report.count(ProblemKind.EMPTY_FILE)).isEqualTo(1);
        assertThat(validate(file("e.json", "[]"), DatasetFormat.ALPACA).count(ProblemKind.EMPTY_FILE)).isEqualTo(1);
    }

    @Test
    void suggestsShareGptForConversationsFile() throws IOException {
        Path f = file("c.jsonl", """
                {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]}
                {"conversations": [{"from": "human", "value": "yo"}, {"from": "gpt", "value": "hey"}]}
                """);

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.valid()).isFalse();
        assertThat(report.suggestedFormat()).contains(DatasetFormat.SHAREGPT);
        assertThat(report.problems().getFirst().kind()).isEqualTo(ProblemKind.FORMAT_MISMATCH);
        assertThat(report.problems().getFirst().reason()).contains("--format sharegpt");
        assertThat(detectAndValidate(f).format()).contains(DatasetFormat.SHAREGPT);
    }

    @Test
    void reportsUndetectableFormatWithTheFieldsFound() throws IOException {
        Path f = file("x.jsonl", "{\"question\": \"a\", \"answer\": \"b\"}\n");

        ValidationReport report = detectAndValidate(f);

        assertThat(report.fileError()).isTrue();
        assertThat(report.problems().getFirst().kind()).isEqualTo(ProblemKind.FORMAT_MISMATCH);
        assertThat(report.problems().getFirst().reason()).contains("[question, answer]");
    }

    @Test
    void rejectsShareGptTurnsOutOfOrderAndUnknownRoles() throws IOException {
        Path f = file("c.jsonl", """
                {"conversations": [{"from": "gpt", "value": "hi"}, {"from": "human", "value": "hello"}]}
                {"conversations": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "hello"}]}
                {"conversations": [{"from": "human", "value": "hi"}]}
                """);

        ValidationReport report = validate(f, DatasetFormat.SHAREGPT);

        assertThat(report.invalidRecords()).isEqualTo(3);
        assertThat(report.problems()).extracting(Problem::field)
                .contains("conversations[0].from", "conversations[1].from", "conversations[0]");
        assertThat(report.problems()).anySatisfy(p -> assertThat(p.reason()).contains("unknown role 'bot'"));
        assertThat(report.problems()).anySatisfy(p -> assertThat(p.reason()).contains("must be an answer"));
    }

    @Test
    void reportsDuplicateRowsAsWarnings() throws IOException {
        Path f = file("d.jsonl", """
                {"instruction": "a", "output": "b"}
                {"instruction": "c", "output": "d"}
                {"instruction": "a", "output": "b"}
                """);

        ValidationReport report = validate(f, DatasetFormat.ALPACA);

        assertThat(report.valid()).isTrue();
        assertThat(report.count(ProblemKind.DUPLICATE_ROW)).isEqualTo(1);
        assertThat(report.problems().getFirst().line()).isEqualTo(3);
        assertThat(report.problems().getFirst().reason()).contains("line 1");
    }

    @Test
    void reportsRowsLongerThanCutoffInCharacters() throws IOException {
        Path f = file("d.jsonl", """
                {"instruction": "abc", "output": "de"}
                {"instruction": "a", "output": "b"}
                """);

        ValidationReport report = DatasetValidator.validate(DatasetSpec.of(f, DatasetFormat.ALPACA),
                ValidationOptions.defaults().withCutoff(4, io.tuneforge.trainer.data.validation.LengthMeasure.characters()));

        assertThat(report.count(ProblemKind.TOO_LONG)).isEqualTo(1);
        assertThat(report.problems().getFirst().reason()).contains("5 characters").contains("cutoff of 4 characters");
        assertThat(report.lengthUnit()).contains("characters");
    }

    @Test
    void dropsInvalidRowsOnlyWhenAskedAndListsEachOne() throws IOException {
        Path f = file("a.jsonl", """
                {"instruction": "a", "output": "b"}
                {"instruction": "c"}
                not json
                {"instruction": "e", "output": "f"}
                """);
        DatasetSpec spec = DatasetSpec.of(f, DatasetFormat.ALPACA);

        assertThatThrownBy(() -> Datasets.load(spec, ValidationOptions.defaults()))
                .isInstanceOf(DatasetValidationException.class).hasMessageContaining("a.jsonl:2");
        LoadedDataset data = Datasets.load(spec, ValidationOptions.defaults().withDropInvalidRows(true));

        assertThat(data.examples()).hasSize(2);
        assertThat(data.report().accepted()).isTrue();
        assertThat(data.report().dropped()).extracting(d -> d.line()).containsExactly(2L, 3L);
        assertThat(data.report().toText()).contains("dropped rows (2)");
    }

    @Test
    void reportsFirstProblemsInFullAndCountsTheRest() throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            rows.append("{\"instruction\": \"q").append(i).append("\"}\n");
        }
        Path f = file("many.jsonl", rows.toString());

        ValidationReport report = DatasetValidator.validate(DatasetSpec.of(f, DatasetFormat.ALPACA),
                ValidationOptions.defaults().withMaxReportedProblems(5));

        assertThat(report.problems()).hasSize(5);
        assertThat(report.count(ProblemKind.MISSING_FIELD)).isEqualTo(50);
        assertThat(report.toJson().get("counts").get("MISSING_FIELD").asLong()).isEqualTo(50);
    }

    @Test
    void readsClassificationCsvWithColumnMappingAndQuotedFields() throws IOException {
        Path f = file("c.csv", "sentence,category\n\"Hello, world\",greeting\n\"multi\nline \"\"quoted\"\"\",other\n");
        DatasetSpec spec = DatasetSpec.of(f, DatasetFormat.CLASSIFICATION).withClassificationColumns("sentence", "category");

        LoadedDataset data = Datasets.load(spec, ValidationOptions.defaults());

        assertThat(data.examples()).hasSize(2);
        assertThat(data.examples().get(0).messages().get(0).content()).isEqualTo("Hello, world");
        assertThat(data.examples().get(1).messages().get(0).content()).isEqualTo("multi\nline \"quoted\"");
        assertThat(data.examples().get(1).label()).contains("other");
        assertThat(detectAndValidate(f).problems().getFirst().reason()).contains("--text-column");
    }

    @Test
    void reportsCsvRowsWithTheWrongNumberOfColumns() throws IOException {
        Path f = file("c.csv", "text,label\nfine,a\ntoo,many,columns\n");

        ValidationReport report = validate(f, DatasetFormat.CLASSIFICATION);

        assertThat(report.count(ProblemKind.MALFORMED_ROW)).isEqualTo(1);
        assertThat(report.problems().getFirst().line()).isEqualTo(3);
    }

    @Test
    void importWritesNothingWhenRejectedAndRenamesWhenAccepted() throws IOException {
        Path bad = file("bad.jsonl", "{\"instruction\": \"a\"}\n{\"instruction\": \"b\", \"output\": \"c\"}\n");
        Path target = dir.resolve("store/imported.jsonl");

        DatasetImporter.ImportResult rejected = DatasetImporter.importFile(DatasetSpec.of(bad, DatasetFormat.ALPACA),
                ValidationOptions.defaults(), target);

        assertThat(rejected.imported()).isEmpty();
        assertThat(target).doesNotExist();
        try (var files = Files.list(target.getParent())) {
            assertThat(files).isEmpty();
        }
        DatasetImporter.ImportResult accepted = DatasetImporter.importFile(DatasetSpec.of(bad, DatasetFormat.ALPACA),
                ValidationOptions.defaults().withDropInvalidRows(true), target);
        assertThat(accepted.imported()).contains(target);
        assertThat(Files.readAllLines(target)).containsExactly("{\"instruction\":\"b\",\"output\":\"c\"}");
    }

    @Test
    void readsLargeJsonArrayOneElementAtATime() throws IOException {
        Path f = dir.resolve("big.json");
        try (var out = Files.newBufferedWriter(f)) {
            out.write("[\n");
            for (int i = 0; i < 20_000; i++) {
                out.write((i == 0 ? "" : ",\n") + "{\"instruction\": \"q" + i + "\", \"output\": \"a" + i + "\"}");
            }
            out.write("\n]\n");
        }

        ValidationReport report = detectAndValidate(f);

        assertThat(report.valid()).isTrue();
        assertThat(report.records()).isEqualTo(20_000);
    }
}
