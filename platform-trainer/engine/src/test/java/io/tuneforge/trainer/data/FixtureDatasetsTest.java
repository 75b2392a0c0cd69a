package io.tuneforge.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.info.DatasetAvailability;
import io.tuneforge.trainer.data.info.DatasetInfo;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.template.ChatMessage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The real datasets in ../shared/fixtures (LLaMA-Factory demo data, MedicalGPT) all read. */
class FixtureDatasetsTest {

    private static LoadedDataset load(String relative, DatasetFormat format) {
        return Datasets.load(DatasetSpec.of(Fixtures.path(relative), format), ValidationOptions.defaults());
    }

    private static LoadedDataset detectAndLoad(String relative) {
        return Datasets.load(DatasetSpec.detecting(Fixtures.path(relative)), ValidationOptions.defaults());
    }

    @ParameterizedTest
    @CsvSource({
            "datasets/llama_factory/alpaca_en_demo.json, ALPACA, CHAT",
            "datasets/llama_factory/alpaca_zh_demo.json, ALPACA, CHAT",
            "datasets/llama_factory/identity.json, ALPACA, CHAT",
            "datasets/llama_factory/glaive_toolcall_en_demo.json, SHAREGPT, CHAT",
            "datasets/llama_factory/dpo_en_demo.json, PREFERENCE, PREFERENCE",
            "datasets/llama_factory/dpo_zh_demo.json, PREFERENCE, PREFERENCE",
            "datasets/llama_factory/kto_en_demo.json, OPENAI, CHAT",
            "datasets/llama_factory/c4_demo.jsonl, TEXT, TEXT",
            "datasets/llama_factory/wiki_demo.txt, TEXT, TEXT",
            "datasets/llama_factory/v1_sft_demo.jsonl, OPENAI, CHAT",
            "datasets/medicalgpt/medical_sft_1K_format.jsonl, SHAREGPT, CHAT",
            "datasets/medicalgpt/dpo_zh_500.jsonl, PREFERENCE, PREFERENCE"})
    void everyFixtureFileLoadsWithTheDetectedFormat(String file, DatasetFormat format, ExampleKind kind) {
        LoadedDataset data = detectAndLoad(file);

        assertThat(data.report().valid()).as(data.report().toText()).isTrue();
        assertThat(data.report().format()).contains(format);
        assertThat(data.examples()).isNotEmpty().allSatisfy(e -> assertThat(e.kind()).isEqualTo(kind));
        assertThat(data.examples()).hasSize((int) data.report().validRecords());
    }

    @Test
    void medicalSftReadsAllThousandDialogues() {
        LoadedDataset data = load("datasets/medicalgpt/medical_sft_1K_format.jsonl", DatasetFormat.SHAREGPT);

        assertThat(data.examples()).hasSize(1000);
        assertThat(data.examples().getFirst().messages()).extracting(ChatMessage::role)
                .containsExactly("user", "assistant");
    }

    @Test
    void medicalGptPreferencePairsHaveTextAnswers() {
        LoadedDataset data = load("datasets/medicalgpt/dpo_zh_500.jsonl", DatasetFormat.PREFERENCE);

        assertThat(data.examples()).hasSize(500);
        Example first = data.examples().getFirst();
        assertThat(first.messages().getLast().role()).isEqualTo("user");
        assertThat(first.chosen().orElseThrow().content()).startsWith("这里是一个名为");
        assertThat(first.rejected()).isPresent();
    }

    @Test
    void glaiveFunctionCallsBecomeToolCallsAndObservationsToolTurns() {
        LoadedDataset data = load("datasets/llama_factory/glaive_toolcall_en_demo.json", DatasetFormat.SHAREGPT);

        Example first = data.examples().getFirst();
        assertThat(first.tools()).isNotEmpty();
        ChatMessage call = first.messages().get(3);
        assertThat(call.role()).isEqualTo("assistant");
        @SuppressWarnings("unchecked")
        Map<String, Object> function = (Map<String, Object>) ((Map<String, Object>) ((List<?>) call.extra()
                .get("tool_calls")).getFirst()).get("function");
        assertThat(function).containsEntry("name", "search_recipes");
        assertThat(function.get("arguments")).isInstanceOf(Map.class);
        assertThat(first.messages().get(4).role()).isEqualTo("tool");
    }

    @Test
    void everyLocalDatasetInfoEntryLoadsAndHubEntriesAreUnavailableWithReason() {
        Path dir = Fixtures.path("datasets/llama_factory");
        DatasetInfo info = DatasetInfo.load(dir);

        List<DatasetAvailability> availability = info.availability();
        List<String> available = availability.stream().filter(DatasetAvailability::available)
                .map(a -> a.entry().name()).toList();
        assertThat(available).containsExactlyInAnyOrder("identity", "alpaca_en_demo", "alpaca_zh_demo",
                "glaive_toolcall_en_demo", "dpo_en_demo", "dpo_zh_demo", "kto_en_demo", "wiki_demo", "c4_demo");
        for (String name : available) {
            LoadedDataset data = Datasets.load(info.resolve(name), ValidationOptions.defaults());
            assertThat(data.report().valid()).as(name + ": " + data.report().toText()).isTrue();
            assertThat(data.examples()).as(name).isNotEmpty();
        }
        DatasetAvailability hub = availability.stream().filter(a -> a.entry().name().equals("alpaca_en"))
                .findFirst().orElseThrow();
        assertThat(hub.reason().orElseThrow()).contains("hf_hub_url: llamafactory/alpaca_en").contains("offline");
        DatasetAvailability missingFile = availability.stream()
                .filter(a -> a.entry().name().equals("glaive_toolcall_zh_demo")).findFirst().orElseThrow();
        assertThat(missingFile.reason().orElseThrow()).contains("glaive_toolcall_zh_demo.json is not in");
        assertThat(availability).filteredOn(a -> !a.available()).allSatisfy(a -> assertThat(a.reason()).isPresent());
    }

    @Test
    void datasetInfoEntriesApplyRankingTagsAndPretrainingColumns() {
        DatasetInfo info = DatasetInfo.load(Fixtures.path("datasets/llama_factory"));

        assertThat(info.resolve("dpo_en_demo").format()).contains(DatasetFormat.PREFERENCE);
        assertThat(info.resolve("wiki_demo").format()).contains(DatasetFormat.TEXT);
        assertThat(info.resolve("kto_en_demo").tags().orElseThrow().roleTag()).isEqualTo("role");
        LoadedDataset kto = Datasets.load(info.resolve("kto_en_demo"), ValidationOptions.defaults());
        assertThat(kto.examples().getFirst().label()).contains("true");
        assertThat(kto.examples()).filteredOn(e -> e.label().orElseThrow().equals("false")).hasSize(150);
    }

    @Test
    void resolvesDatasetByNameOrByFile() {
        Path dir = Fixtures.path("datasets/llama_factory");

        assertThat(Datasets.resolve("identity", java.util.Optional.of(dir)).format()).contains(DatasetFormat.ALPACA);
        assertThat(Datasets.resolve("v1_sft_demo.jsonl", java.util.Optional.of(dir)).format())
                .isEmpty();
    }
}
