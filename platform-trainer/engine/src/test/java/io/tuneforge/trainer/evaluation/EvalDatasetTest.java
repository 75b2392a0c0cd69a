package io.tuneforge.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.template.ChatMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalDatasetTest {

    @TempDir
    Path dir;

    @Test
    void alpacaRowJoinsInstructionAndInputAndKeepsSystemAndHistory() throws Exception {
        Path file = dir.resolve("a.json");
        Files.writeString(file, """
                [{"instruction": "Translate", "input": "hello", "output": "bonjour", "system": "Be brief.",
                  "history": [["hi", "salut"]]}]""");
        EvalExample e = EvalDataset.read(file).getFirst();
        assertThat(e.label()).isEqualTo("bonjour");
        assertThat(e.prompt()).extracting(ChatMessage::role).containsExactly("system", "user", "assistant", "user");
        assertThat(e.prompt().getLast().content()).isEqualTo("Translate\nhello");
    }

    @Test
    void shareGptJsonLinesUsesTheLastAssistantTurnAsLabel() throws Exception {
        Path file = dir.resolve("s.jsonl");
        Files.writeString(file, """
                {"conversations": [{"from": "human", "value": "q1"}, {"from": "gpt", "value": "a1"}, {"from": "human", "value": "q2"}, {"from": "gpt", "value": "a2"}]}
                """);
        List<EvalExample> rows = EvalDataset.read(file);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).label()).isEqualTo("a2");
        assertThat(rows.get(0).prompt()).extracting(ChatMessage::role).containsExactly("user", "assistant", "user");
    }

    @Test
    void openAiMessagesRowsAreReadToo() throws Exception {
        Path file = dir.resolve("m.jsonl");
        Files.writeString(file, """
                {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}
                """);
        assertThat(EvalDataset.read(file).getFirst().label()).isEqualTo("y");
    }

    @Test
    void rejectsAlpacaRowWithoutOutputNamingTheRow() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "[{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\"}]");
        assertThatThrownBy(() -> EvalDataset.read(file)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("bad.json:").hasMessageContaining("output");
    }

    @Test
    void rejectsConversationEndingWithTheUser() throws Exception {
        Path file = dir.resolve("c.jsonl");
        Files.writeString(file, "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}]}\n");
        assertThatThrownBy(() -> EvalDataset.read(file)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("ends with a 'human' turn");
    }

    @Test
    void predictionsFileRoundTripsAndScores() throws Exception {
        Path file = dir.resolve("p.jsonl");
        PredictionsFile.write(file, List.of(new Prediction("p", "the cat sat", "the cat sat"),
                new Prediction("p", "我爱北京天安门", "我爱北京")));
        List<Prediction> read = PredictionsFile.read(file);
        assertThat(read).hasSize(2);
        GenerationMetrics m = PredictionsFile.score(read);
        assertThat(m.samples()).isEqualTo(2);
        assertThat(m.tokenizationSummary()).isEqualTo("words: 1, jieba: 1");
        assertThat(m.rouge1()).isGreaterThan(50);
    }

    @Test
    void predictionsLineWithoutPredictIsRejectedWithItsLineNumber() throws Exception {
        Path file = dir.resolve("p.jsonl");
        Files.writeString(file, "{\"label\": \"a\", \"predict\": \"b\"}\n{\"label\": \"a\"}\n");
        assertThatThrownBy(() -> PredictionsFile.read(file)).hasMessageContaining("line 2")
                .hasMessageContaining("\"predict\"");
    }
}
