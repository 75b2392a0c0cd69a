package io.tuneforge.shared.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ColumnMappingTest {

    @Test
    void aColumnsObjectAsInDatasetInfoJsonIsAMappingOfColumns() {
        ColumnMapping mapping = ColumnMapping.parse("{\"prompt\": \"question\", \"response\": \" answer \"}");

        assertThat(mapping.columns()).containsExactly(Map.entry("prompt", "question"), Map.entry("response", "answer"));
        assertThat(mapping.tags()).isEmpty();
        assertThat(mapping.describe()).isEqualTo("prompt → question, response → answer");
    }

    @Test
    void columnsAndTagsTogetherRoundTripThroughTheStoredForm() {
        ColumnMapping mapping = ColumnMapping.parse(
                "{\"columns\": {\"messages\": \"dialog\"}, \"tags\": {\"role_tag\": \"speaker\"}}");

        assertThat(ColumnMapping.parse(mapping.toJson())).isEqualTo(mapping);
        assertThat(mapping.tags()).containsEntry("role_tag", "speaker");
    }

    @Test
    void blankTextIsNoMapping() {
        assertThat(ColumnMapping.parse("  ").isEmpty()).isTrue();
        assertThat(ColumnMapping.parse(null)).isEqualTo(ColumnMapping.none());
    }

    @Test
    void badTextIsRefusedSayingWhatIsWrong() {
        assertThatThrownBy(() -> ColumnMapping.parse("{prompt: question}")).isInstanceOf(DatasetException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ColumnMapping.parse("[\"prompt\"]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> ColumnMapping.parse("{\"prompt\": 3}")).hasMessageContaining("columns.prompt");
        assertThatThrownBy(() -> ColumnMapping.parse("{\"columns\": {}, \"extra\": {}}"))
                .hasMessageContaining("unknown key 'extra'");
    }

    @Test
    void commonPromptAnswerShapesGetASuggestion() {
        assertThat(ColumnMapping.suggest(Set.of("question", "answer")).orElseThrow().columns())
                .isEqualTo(Map.of("prompt", "question", "response", "answer"));
        assertThat(ColumnMapping.suggest(Set.of("prompt", "response", "system")).orElseThrow().columns())
                .isEqualTo(Map.of("prompt", "prompt", "response", "response", "system", "system"));
        assertThat(ColumnMapping.suggest(Set.of("query", "response")).orElseThrow().columns())
                .containsEntry("prompt", "query");
        assertThat(ColumnMapping.suggest(Set.of("input", "output")).orElseThrow().columns())
                .containsEntry("prompt", "input");
        assertThat(ColumnMapping.suggest(Set.of("text", "label")).orElseThrow().columns())
                .containsEntry("response", "label");
    }

    @Test
    void rowsThatAFormatReadsAsTheyAreGetNoSuggestion() {
        assertThat(ColumnMapping.suggest(Set.of("instruction", "input", "output"))).isEmpty();
        assertThat(ColumnMapping.suggest(Set.of("conversations"))).isEmpty();
        assertThat(ColumnMapping.suggest(Set.of("messages"))).isEmpty();
        assertThat(ColumnMapping.suggest(Set.of("chosen", "rejected", "prompt", "response"))).isEmpty();
        assertThat(ColumnMapping.suggest(Set.of("title", "body"))).isEmpty();
    }

    @Test
    void parquetIsOneOfTheReadableFileTypes() {
        assertThat(DatasetFileTypes.isParquet("Data.PARQUET")).isTrue();
        assertThat(DatasetFileTypes.isParquet("data.jsonl")).isFalse();
        assertThat(DatasetFileTypes.READABLE).contains(".parquet");
        assertThat(DatasetFileTypes.describe()).contains("Parquet (.parquet)");
    }
}
