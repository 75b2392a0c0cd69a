package io.tuneforge.trainer.data.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.core.dataset.DatasetRecord;
import io.tuneforge.core.dataset.ValidationSummary;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platform's port to the data pipeline: detection, validation summaries and previews (once core's own reader). */
class PipelineDatasetInspectorTest {

    private final PipelineDatasetInspector inspector = new PipelineDatasetInspector();

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void detectsEveryFormatFromTheRecordKeys() throws IOException {
        assertThat(inspector.detect(file("s.json", "[{\"conversations\": []}]"))).contains(DatasetFormat.SHAREGPT);
        assertThat(inspector.detect(file("o.jsonl", "{\"messages\": []}"))).contains(DatasetFormat.OPENAI);
        assertThat(inspector.detect(file("a.jsonl", "{\"instruction\": \"q\", \"output\": \"a\"}")))
                .contains(DatasetFormat.ALPACA);
        assertThat(inspector.detect(file("c.csv", "text,label\nnice,1\n"))).contains(DatasetFormat.CLASSIFICATION);
        assertThat(inspector.detect(file("x.jsonl", "{\"foo\": 1}"))).isEmpty();
    }

    @Test
    void aShareGptRowWithChosenAndRejectedIsPreferenceData() throws IOException {
        Path file = file("dpo.json", """
                [{"conversations": [{"from": "human", "value": "Hi"}],
                  "chosen": {"from": "gpt", "value": "Hello"}, "rejected": {"from": "gpt", "value": "Go away"}}]
                """);

        assertThat(inspector.detect(file)).contains(DatasetFormat.PREFERENCE);
        assertThat(inspector.validate(file, DatasetFormat.PREFERENCE).valid()).isTrue();
    }

    @Test
    void anUnreadableFileIsDetectedAsNothing() {
        assertThat(inspector.detect(dir.resolve("missing.json"))).isEmpty();
    }

    @Test
    void previewsTheHeadOfAJsonArray() throws IOException {
        Path file = file("a.json", " [{\"text\": \"a\"}, {\"text\": \"b\"}, {\"text\": \"c\"}]");

        assertThat(inspector.head(file, 2)).extracting(r -> r.row() + "=" + r.value().path("text").asString())
                .containsExactly("1=a", "2=b");
    }

    @Test
    void previewRowsAreRecordNumbersLikeTheReportsRows() throws IOException {
        Path file = file("a.jsonl", "{\"text\": \"a\"}\n\n{\"text\": \"b\"}\n");

        assertThat(inspector.head(file, 5)).extracting(DatasetRecord::row).containsExactly(1, 2);
    }

    @Test
    void aPreviewNamesTheLineOfBrokenJson() throws IOException {
        Path file = file("bad.jsonl", "{\"text\": \"a\"}\n{\"text\": \n");

        assertThatThrownBy(() -> inspector.head(file, 5)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("bad.jsonl, line 2");
    }

    @Test
    void theSummaryCountsErrorsAndKeepsRowFieldAndReason() throws IOException {
        Path file = file("broken.jsonl", """
                {"instruction": "ok", "output": "fine"}
                {"instruction": "no answer"}
                """);

        ValidationSummary summary = inspector.validate(file, DatasetFormat.ALPACA);

        assertThat(summary.rows()).isEqualTo(2);
        assertThat(summary.problemCount()).isEqualTo(1);
        assertThat(summary.problems()).extracting(p -> p.row() + ":" + p.field()).containsExactly("2:output");
        assertThat(summary.countsByKind()).containsEntry("MISSING_FIELD", 1L);
    }

    @Test
    void syntaxErrorsAreListedBeforeThePerRowProblems() throws IOException {
        Path file = file("mixed.jsonl", """
                {"instruction": "no answer"}
                {"instruction": "cut off
                {"instruction": "ok", "output": "fine"}
                """);

        ValidationSummary summary = inspector.validate(file, DatasetFormat.ALPACA);

        assertThat(summary.problems()).extracting(p -> p.row() + ":" + p.field()).containsExactly("2:", "1:output");
    }

    @Test
    void keepValidWritesOnlyTheRowsThatPassAsJsonLines() throws IOException {
        Path file = file("rows.csv", """
                instruction,output
                hi,hello
                no answer,
                bye,see you
                """);
        Path target = dir.resolve("kept.jsonl");

        ValidationSummary whole = inspector.keepValid(file, DatasetFormat.ALPACA, io.tuneforge.shared.dataset.ColumnMapping.none(), target);

        assertThat(whole.rows()).isEqualTo(3);
        assertThat(whole.problems()).extracting(ValidationSummary.Problem::row).containsExactly(2);
        assertThat(Files.readAllLines(target)).containsExactly("{\"instruction\":\"hi\",\"output\":\"hello\"}",
                "{\"instruction\":\"bye\",\"output\":\"see you\"}");
        assertThat(inspector.validate(target, DatasetFormat.ALPACA).valid()).isTrue();
    }
}
