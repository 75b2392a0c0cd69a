package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.ExampleKind;
import io.tuneforge.trainer.data.format.FormatDetector;
import io.tuneforge.trainer.data.preparation.DatasetMix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker reads a job's dataset in the format stored with its version, the one the upload detected. */
class JobDatasetLoadingTest {

    /** LLaMA-Factory's ShareGPT preference layout ({@code dpo_en_demo.json}): turns plus chosen and rejected. */
    private static final String SHAREGPT_PREFERENCE = """
            [{"conversations": [{"from": "human", "value": "Name a colour"}],
              "chosen": {"from": "gpt", "value": "Blue"}, "rejected": {"from": "gpt", "value": "Seven"}},
             {"conversations": [{"from": "human", "value": "Two plus two?"}],
              "chosen": {"from": "gpt", "value": "Four"}, "rejected": {"from": "gpt", "value": "Five"}}]
            """;

    @TempDir
    Path dir;

    @Test
    void aShareGptPreferenceFileStoredAsPreferenceIsLoadedAsPreferencePairs() throws IOException {
        Path file = Files.writeString(dir.resolve("dpo.json"), SHAREGPT_PREFERENCE);
        String stored = FormatDetector.detect(file).orElseThrow().cliName(); // what an upload stores

        DatasetMix.Part part = TrainerJobRunner.load(new JobDataset(7, "dpo", stored, List.of(file), List.of(), 1.0));

        assertThat(stored).isEqualTo(DatasetFormat.PREFERENCE.cliName());
        assertThat(part.examples()).hasSize(2)
                .allSatisfy(example -> assertThat(example.kind()).isEqualTo(ExampleKind.PREFERENCE));
    }

    @Test
    void aVersionStoredWithAColumnMappingIsReadThroughIt() throws IOException {
        Path file = Files.writeString(dir.resolve("qa.jsonl"), """
                {"question": "Capital of France?", "answer": "Paris"}
                """);
        ColumnMapping mapping = ColumnMapping.parse("{\"prompt\": \"question\", \"response\": \"answer\"}");

        DatasetMix.Part part = TrainerJobRunner.load(new JobDataset(8, "qa", "alpaca", List.of(file), List.of(), 1.0,
                mapping));

        assertThat(part.examples()).singleElement().satisfies(example -> {
            assertThat(example.messages().getFirst().content()).isEqualTo("Capital of France?");
            assertThat(example.messages().getLast().content()).isEqualTo("Paris");
        });
    }
}
