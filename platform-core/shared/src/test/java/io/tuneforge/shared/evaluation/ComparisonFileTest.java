package io.tuneforge.shared.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading predictions.jsonl: the rows in order, and bad lines refused with file, line and reason. */
class ComparisonFileTest {

    @TempDir
    Path folder;

    @Test
    void readsRowsInOrderSkippingBlankLinesWithAMissingLabelAsEmpty() throws IOException {
        Path file = write("""
                {"prompt": "p1", "label": "l1", "base": "b1", "tuned": "t1"}

                {"prompt": "p2", "base": "b2", "tuned": "t2", "extra": 1}
                """);

        assertThat(ComparisonFile.read(file)).containsExactly(new ComparisonRow("p1", "l1", "b1", "t1"),
                new ComparisonRow("p2", "", "b2", "t2"));
    }

    @Test
    void refusesALineThatIsNotJson() throws IOException {
        Path file = write("{\"prompt\": \"p\", \"base\": \"b\", \"tuned\": \"t\"}\n{\"prompt\": \"p\", \n");

        assertThatThrownBy(() -> ComparisonFile.read(file)).isInstanceOf(EvaluationException.class)
                .hasMessageStartingWith(file + " line 2: not valid JSON");
    }

    @Test
    void refusesAFieldThatIsNotAString() throws IOException {
        Path file = write("{\"prompt\": \"p\", \"base\": [\"b\"], \"tuned\": \"t\"}\n");

        assertThatThrownBy(() -> ComparisonFile.read(file)).isInstanceOf(EvaluationException.class)
                .hasMessage(file + " line 1: field \"base\" must be a string, was array");
    }

    @Test
    void refusesALineThatIsNotAnObject() throws IOException {
        Path file = write("[\"p\", \"b\", \"t\"]\n");

        assertThatThrownBy(() -> ComparisonFile.read(file)).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("line 1: expected a JSON object");
    }

    @Test
    void refusesAnEmptyFile() throws IOException {
        Path file = write("\n\n");

        assertThatThrownBy(() -> ComparisonFile.read(file)).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("has no rows");
    }

    private Path write(String content) throws IOException {
        return Files.writeString(folder.resolve("predictions.jsonl"), content);
    }
}
