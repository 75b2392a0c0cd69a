package io.tuneforge.trainer.training.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.evaluation.ClassificationMetrics;
import io.tuneforge.trainer.export.LoraMerger;
import io.tuneforge.trainer.export.MergeOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingListener;
import io.tuneforge.trainer.training.TrainingLog;
import io.tuneforge.trainer.training.optim.SchedulerType;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A classification head on the real TinyStories 260K model equals transformers' LlamaForSequenceClassification with
 * PEFT's SEQ_CLS LoRA adapter (golden values from {@code sequence_classification_golden.py}), learns a separable toy
 * task, and saves in PEFT's SEQ_CLS layout.
 */
class SequenceClassifierTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(SequenceClassifierTest.class.getResource("/classification/" + name).toURI());
    }

    @Test
    void pooledLogitsOfPeftsOwnSeqClsAdapterEqualTransformers() throws Exception {
        JsonNode golden = JSON.readTree(Files.readString(resource("golden.json")));
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            SequenceClassifier classifier = SequenceClassifier.load(base, resource("adapter"));
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, classifier.labels(), 1024);
            List<int[]> texts = new ArrayList<>();
            for (JsonNode row : golden.get("rows")) {
                int[] ids = encoder.textIds(row.get("text").asString());
                assertThat(ids).containsExactly(row.get("input_ids").valueStream().mapToInt(JsonNode::asInt).toArray());
                texts.add(ids);
            }

            double[][] logits = classifier.logits(texts);

            assertThat(classifier.labels()).isEqualTo(ClassLabels.placeholders(3)); // PEFT saves no label names
            for (int r = 0; r < texts.size(); r++) {
                JsonNode expected = golden.get("rows").get(r).get("logits");
                for (int k = 0; k < 3; k++) {
                    assertThat(logits[r][k]).as("row %d class %d", r, k).isCloseTo(expected.get(k).asDouble(),
                            within(1e-4));
                }
            }
        }
    }

    @Test
    void mergingASeqClsAdapterWritesTheClassifierTransformersWrites() throws Exception {
        JsonNode golden = JSON.readTree(Files.readString(resource("golden.json"))).get("merged");
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        for (String file : List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE)) {
            Files.copy(resource("adapter").resolve(file), adapter.resolve(file));
        }
        new ClassLabels(List.of("negative", "neutral", "positive")).save(adapter, "LlamaForCausalLM");

        LoraMerger.merge(new MergeOptions(Fixtures.stories260K(), adapter, dir.resolve("merged"),
                MergeOptions.DEFAULT_MAX_SHARD_BYTES, Optional.empty(), false));

        JsonNode config = JSON.readTree(Files.readString(dir.resolve("merged/config.json")));
        assertThat(config.get("architectures")).isEqualTo(golden.get("architectures"));
        assertThat(config.get("id2label")).isEqualTo(golden.get("id2label"));
        assertThat(config.get("label2id")).isEqualTo(golden.get("label2id"));
        try (SafetensorsReader merged = SafetensorsReader.open(dir.resolve("merged"));
             SafetensorsReader peft = SafetensorsReader.open(adapter.resolve(PeftAdapter.WEIGHTS_FILE))) {
            assertThat(merged.names().stream().sorted().toList())
                    .containsExactlyElementsOf(golden.get("tensor_names").valueStream().map(JsonNode::asString).toList());
            assertThat(merged.readFloats(SequenceClassifier.MERGED_HEAD_KEY))
                    .containsExactly(peft.readFloats(SequenceClassifier.HEAD_KEY));
        }
    }

    @Test
    void aSeqClsAdapterIsRefusedForGenerationWithTheReason() throws Exception {
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
            Path adapter = resource("adapter");
            assertThatThrownBy(() -> PeftAdapter.load(base, adapter, false))
                    .isInstanceOf(ModelConfigException.class)
                    .hasMessageContaining("classification adapter (task_type SEQ_CLS")
                    .hasMessageContaining("does not generate");
        }
    }

    @Test
    void learnsASeparableTaskAndSavesAsPeftSavesASeqClsAdapter() throws Exception {
        List<Example> rows = new ArrayList<>();
        String[] animals = {"dog", "cat", "bird", "fish"};
        String[] people = {"girl", "boy", "mom", "dad"};
        for (int i = 0; i < 4; i++) {
            rows.add(Example.classification("The " + animals[i] + " ran to the park.", "animal"));
            rows.add(Example.classification("The " + people[i] + " ran to the park.", "person"));
            rows.add(Example.classification("A little " + animals[i] + " was happy.", "animal"));
            rows.add(Example.classification("A little " + people[i] + " was happy.", "person"));
        }
        ClassLabels labels = ClassLabels.of(rows.stream().map(r -> r.label().orElseThrow()).toList());
        LoraConfig lora = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);
        Path adapter = dir.resolve("adapter");
        double[][] trained;
        List<int[]> texts;
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(),
                ModelOptions.training(new FineTuning.Lora(lora), 3));
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, labels, 64);
            List<TokenizedSample> samples = encoder.encodeAll(rows);
            texts = rows.stream().map(r -> encoder.textIds(r.messages().getFirst().content())).toList();
            SequenceClassifier classifier = SequenceClassifier.withNewHead(base, labels, 3);
            List<Double> losses = new ArrayList<>();
            TrainingConfig config = TrainingConfig.builder(dir.resolve("run")).learningRate(1e-2)
                    .perDeviceTrainBatchSize(8).gradientAccumulationSteps(1).maxSteps(30)
                    .lrSchedulerType(SchedulerType.CONSTANT).loggingSteps(1).saveSteps(0).evalSteps(0).seed(3)
                    .build();
            new Trainer(config, classifier, samples, List.of()).train(new TrainingListener() {
                @Override
                public void onLog(TrainingLog log) {
                    losses.add(log.loss());
                }
            }, () -> false);
            trained = classifier.probabilities(texts, 8);
            classifier.saveTrained(Files.createDirectories(adapter));

            assertThat(losses.getFirst()).isCloseTo(Math.log(2), within(0.1)); // a fresh head: chance
            assertThat(losses.getLast()).isLessThan(0.2);
        }
        List<String> truth = rows.stream().map(r -> r.label().orElseThrow()).toList();
        ClassificationMetrics metrics = ClassificationMetrics.fromProbabilities(truth, labels.names(), trained);
        assertThat(metrics.accuracy()).isGreaterThan(0.9);

        JsonNode config = JSON.readTree(Files.readString(adapter.resolve(PeftAdapter.CONFIG_FILE)));
        assertThat(config.get("task_type").asString()).isEqualTo("SEQ_CLS");
        assertThat(config.get("modules_to_save").toString()).isEqualTo("[\"classifier\",\"score\"]");
        try (SafetensorsReader reader = SafetensorsReader.open(adapter.resolve(PeftAdapter.WEIGHTS_FILE))) {
            assertThat(reader.info(SequenceClassifier.HEAD_KEY).shape()).containsExactly(2, 64);
        }
        JsonNode head = JSON.readTree(Files.readString(adapter.resolve(ClassLabels.FILE)));
        assertThat(head.get("architectures").get(0).asString()).isEqualTo("LlamaForSequenceClassification");
        assertThat(head.get("id2label").toString()).isEqualTo("{\"0\":\"animal\",\"1\":\"person\"}");
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
            SequenceClassifier reloaded = SequenceClassifier.load(base, adapter);
            assertThat(reloaded.labels()).isEqualTo(labels);
            double[][] again = reloaded.probabilities(texts, 3);
            for (int r = 0; r < texts.size(); r++) {
                for (int k = 0; k < 2; k++) {
                    assertThat(again[r][k]).isCloseTo(trained[r][k], within(1e-5));
                }
            }
        }
    }

    @Test
    void aRowWithALabelTheHeadDoesNotKnowIsRefusedNamingIt() throws IOException {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, new ClassLabels(List.of("a", "b")), 32);
            TokenizedSample sample = encoder.encode("The dog", 1);

            assertThat(sample.labels()[sample.length() - 1]).isEqualTo(1);
            assertThat(sample.labels()[sample.length() - 2]).isEqualTo(TokenizedSample.IGNORE_INDEX);
            assertThatThrownBy(() -> encoder.encodeAll(List.of(Example.classification("x", "a"),
                    Example.classification("y", "c"))))
                    .hasMessageContaining("row 2").hasMessageContaining("label 'c'");
        }
    }
}
