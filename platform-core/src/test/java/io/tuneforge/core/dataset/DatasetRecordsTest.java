package io.tuneforge.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetRecordsTest {

    @TempDir
    Path folder;

    @Test
    void readsTheHeadOfAJsonArray() throws Exception {
        Path file = Files.writeString(folder.resolve("a.json"), " [{\"text\": \"a\"}, {\"text\": \"b\"}, {\"text\": \"c\"}]");

        assertThat(DatasetRecords.head(file, 2)).extracting(r -> r.row() + "=" + r.value().path("text").asString())
                .containsExactly("1=a", "2=b");
    }

    @Test
    void numbersJsonLinesByLineAndSkipsBlankLines() throws Exception {
        Path file = Files.writeString(folder.resolve("a.jsonl"), "{\"text\": \"a\"}\n\n{\"text\": \"b\"}\n");

        assertThat(DatasetRecords.head(file, 5)).extracting(DatasetRecords.Numbered::row).containsExactly(1, 3);
    }

    @Test
    void namesTheLineOfBrokenJson() throws Exception {
        Path file = Files.writeString(folder.resolve("bad.jsonl"), "{\"text\": \"a\"}\n{\"text\": \n");

        assertThatThrownBy(() -> DatasetRecords.head(file, 5)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("bad.jsonl, line 2");
    }

    @Test
    void detectsFormatsFromTheFirstRecordKeys() throws Exception {
        assertThat(DatasetFormatDetector.detect(Files.writeString(folder.resolve("s.json"),
                "[{\"conversations\": []}]"))).contains(DatasetFormat.SHAREGPT);
        assertThat(DatasetFormatDetector.detect(Files.writeString(folder.resolve("o.jsonl"),
                "{\"messages\": []}"))).contains(DatasetFormat.OPENAI);
        assertThat(DatasetFormatDetector.detect(Files.writeString(folder.resolve("p.jsonl"),
                "{\"instruction\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\"}"))).contains(DatasetFormat.PREFERENCE);
        assertThat(DatasetFormatDetector.detect(Files.writeString(folder.resolve("x.jsonl"),
                "{\"foo\": 1}"))).isEmpty();
    }
}
