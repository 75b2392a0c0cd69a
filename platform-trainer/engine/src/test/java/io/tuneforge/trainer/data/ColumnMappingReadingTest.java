package io.tuneforge.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.info.DatasetInfo;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows read through a user's column mapping (LLaMA-Factory's columns/tags), and Alpaca rows without instruction. */
class ColumnMappingReadingTest {

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static List<Example> load(DatasetSpec spec) {
        return Datasets.load(spec, ValidationOptions.defaults()).examples();
    }

    private static String turns(Example example) {
        return String.join(" | ", example.messages().stream().map(m -> m.role() + ": " + m.content()).toList());
    }

    @Test
    void alpacaRowsWithOnlyInputAndOutputReadInputAsThePrompt() throws IOException {
        Path legal = file("legal.jsonl", """
                {"input": "盗窃罪的量刑标准是什么？", "output": "根据刑法第264条……"}
                {"input": "What is a tort?", "output": "A civil wrong."}
                """);

        List<Example> examples = load(DatasetSpec.detecting(legal));

        assertThat(examples).extracting(ColumnMappingReadingTest::turns).containsExactly(
                "user: 盗窃罪的量刑标准是什么？ | assistant: 根据刑法第264条……",
                "user: What is a tort? | assistant: A civil wrong.");
    }

    @Test
    void aRowWithNeitherInstructionNorInputStillHasNoPrompt() throws IOException {
        Path file = file("none.jsonl", "{\"output\": \"an answer to nothing\"}\n");

        ValidationReport report = DatasetValidator.validate(DatasetSpec.of(file, DatasetFormat.ALPACA),
                ValidationOptions.defaults());

        assertThat(report.accepted()).isFalse();
        assertThat(report.problems()).anySatisfy(p -> assertThat(p.field()).isEqualTo("instruction"));
    }

    @Test
    void questionAnswerRowsAreDetectedAndReadThroughAMapping() throws IOException {
        Path file = file("qa.jsonl", """
                {"question": "Capital of France?", "answer": "Paris", "system": "Be brief."}
                """);
        ColumnMapping mapping = ColumnMapping.parse("{\"prompt\": \"question\", \"response\": \"answer\"}");

        ValidationReport unmapped = DatasetValidator.validate(DatasetSpec.detecting(file), ValidationOptions.defaults());
        List<Example> examples = load(DatasetSpec.detecting(file).withMapping(mapping));

        assertThat(unmapped.accepted()).isFalse();
        assertThat(unmapped.problems().getFirst().reason()).contains("map the columns {\"prompt\":\"question\",\"response\":\"answer\",\"system\":\"system\"}");
        assertThat(examples).extracting(ColumnMappingReadingTest::turns)
                .containsExactly("system: Be brief. | user: Capital of France? | assistant: Paris");
    }

    @Test
    void aPromptMappedToTheInputFieldIsReadOnce() throws IOException {
        Path file = file("io.jsonl", "{\"input\": \"Hi\", \"output\": \"Hello\"}\n");

        List<Example> examples = load(DatasetSpec.of(file, DatasetFormat.ALPACA)
                .withMapping(ColumnMapping.ofColumns(Map.of("prompt", "input", "response", "output"))));

        assertThat(examples).extracting(ColumnMappingReadingTest::turns).containsExactly("user: Hi | assistant: Hello");
    }

    @Test
    void shareGptTagsAndAMessagesColumnAreMappedLikeADatasetInfoEntry() throws IOException {
        Path file = file("chat.jsonl", """
                {"dialog": [{"speaker": "client", "text": "Hi"}, {"speaker": "agent", "text": "Hello"}]}
                """);
        ColumnMapping mapping = ColumnMapping.parse("""
                {"columns": {"messages": "dialog"},
                 "tags": {"role_tag": "speaker", "content_tag": "text", "user_tag": "client", "assistant_tag": "agent"}}
                """);

        List<Example> examples = load(DatasetSpec.detecting(file).withMapping(mapping));

        assertThat(examples).extracting(ColumnMappingReadingTest::turns).containsExactly("user: Hi | assistant: Hello");
    }

    @Test
    void anUnknownOrMultimodalKeyIsRefusedNamingIt() throws IOException {
        Path file = file("x.jsonl", "{\"q\": \"a\"}\n");

        assertThatThrownBy(() -> DatasetSpec.detecting(file).withMapping(ColumnMapping.parse("{\"promt\": \"q\"}")))
                .isInstanceOf(DatasetException.class).hasMessageContaining("unknown column key 'promt'");
        assertThatThrownBy(() -> DatasetSpec.detecting(file).withMapping(ColumnMapping.parse("{\"images\": \"q\"}")))
                .isInstanceOf(DatasetException.class).hasMessageContaining("multimodal");
    }

    @Test
    void parquetAlpacaRowsAreDetectedAndReadLikeJsonRows() throws Exception {
        Path parquet = fixture("alpaca-snappy.parquet");

        ValidationReport report = DatasetValidator.validate(DatasetSpec.detecting(parquet),
                ValidationOptions.defaults());
        List<Example> examples = load(DatasetSpec.detecting(parquet));

        assertThat(report.accepted()).isTrue();
        assertThat(report.format()).contains(DatasetFormat.ALPACA);
        assertThat(examples).hasSize(5);
        assertThat(turns(examples.get(0))).isEqualTo("user: Translate to French\nGood morning | assistant: Bonjour");
        assertThat(turns(examples.get(3))).isEqualTo("user: 写一句问候 | assistant: 你好，世界 👋");
    }

    @Test
    void parquetShareGptConversationsStoredAsListsOfStructsAreTurns() throws Exception {
        Path parquet = fixture("sharegpt-clean.parquet");

        List<Example> examples = load(DatasetSpec.detecting(parquet));

        assertThat(examples).extracting(ColumnMappingReadingTest::turns).containsExactly(
                "user: Hi | assistant: Hello! How can I help?",
                "system: Be brief | user: 2+2? | assistant: 4",
                "user: Name a colour | assistant: Blue");
    }

    @Test
    void parquetRowsGoThroughAColumnMapping() throws Exception {
        Path parquet = fixture("alpaca-snappy.parquet");

        List<Example> examples = load(DatasetSpec.of(parquet, DatasetFormat.ALPACA)
                .withMapping(ColumnMapping.parse("{\"prompt\": \"input\", \"query\": \"instruction\"}")));

        assertThat(turns(examples.get(0))).isEqualTo("user: Good morning\nTranslate to French | assistant: Bonjour");
    }

    @Test
    void aFileNamedParquetThatIsNotParquetIsUnreadableWithTheReason() throws IOException {
        Path file = file("data.parquet", "{\"instruction\": \"hi\", \"output\": \"ho\"}\n");

        ValidationReport report = DatasetValidator.validate(DatasetSpec.detecting(file), ValidationOptions.defaults());

        assertThat(report.accepted()).isFalse();
        assertThat(report.problems().getFirst().reason())
                .contains("data.parquet: not a Parquet file (it does not start with the bytes PAR1)");
    }

    @Test
    void aDatasetInfoEntryMayNameAParquetFile() throws Exception {
        Files.copy(fixture("sharegpt-clean.parquet"), dir.resolve("chats.parquet"));
        file("dataset_info.json", """
                {"chats": {"file_name": "chats.parquet", "formatting": "sharegpt"}}
                """);

        DatasetInfo info = DatasetInfo.load(dir);

        assertThat(info.availability()).singleElement().satisfies(a -> assertThat(a.available()).isTrue());
        assertThat(load(info.resolve("chats"))).hasSize(3);
    }

    private static Path fixture(String name) throws Exception {
        return Path.of(ColumnMappingReadingTest.class.getResource("/parquet/" + name).toURI());
    }
}
