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
    void aWholeModelHeadIsSavedAsTransformersSavesTheClassifierAndScoresAsTransformersAfterReload() throws Exception {
        JsonNode golden = JSON.readTree(Files.readString(resource("golden.json")));
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        for (String file : List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE)) {
            Files.copy(resource("adapter").resolve(file), adapter.resolve(file));
        }
        new ClassLabels(List.of("negative", "neutral", "positive")).save(adapter, "LlamaForCausalLM");
        Path saved = dir.resolve("full");
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.inference())) {
            SequenceClassifier classifier = SequenceClassifier.load(base, adapter);
            base.merge(); // the adapter's LoRA folded in: the weights a full fine-tune would hold
            classifier.saveTrained(Files.createDirectories(saved));
        }

        JsonNode merged = golden.get("merged"); // transformers' save of the same classifier (merge_and_unload)
        JsonNode config = JSON.readTree(Files.readString(saved.resolve("config.json")));
        assertThat(config.get("architectures")).isEqualTo(merged.get("architectures"));
        assertThat(config.get("id2label")).isEqualTo(merged.get("id2label"));
        assertThat(config.get("label2id")).isEqualTo(merged.get("label2id"));
        assertThat(config.get("num_labels").asInt()).isEqualTo(3);
        try (SafetensorsReader reader = SafetensorsReader.open(saved)) {
            assertThat(reader.names().stream().sorted().toList()).containsExactlyElementsOf(
                    merged.get("tensor_names").valueStream().map(JsonNode::asString).toList());
        }
        assertThat(SequenceClassifier.isModelCheckpoint(saved)).isTrue();
        assertThat(SequenceClassifier.isModelCheckpoint(adapter)).isFalse();

        Path view = SequenceClassifier.causalView(saved, dir.resolve("view"));
        try (LlamaModel base = LlamaModel.load(view, ModelOptions.inference());
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            SequenceClassifier reloaded = SequenceClassifier.fromModelCheckpoint(base, saved);
            assertThat(reloaded.labels().names()).containsExactly("negative", "neutral", "positive");
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, reloaded.labels(), 1024);
            List<int[]> texts = golden.get("rows").valueStream()
                    .map(row -> encoder.textIds(row.get("text").asString())).toList();
            double[][] logits = reloaded.logits(texts);
            for (int r = 0; r < texts.size(); r++) {
                JsonNode expected = golden.get("rows").get(r).get("logits");
                for (int k = 0; k < 3; k++) {
                    assertThat(logits[r][k]).as("row %d class %d", r, k).isCloseTo(expected.get(k).asDouble(),
                            within(1e-4));
                }
            }
        }
    }

    static List<Example> separableRows() {
        List<Example> rows = new ArrayList<>();
        String[] animals = {"dog", "cat", "bird", "fish"};
        String[] people = {"girl", "boy", "mom", "dad"};
        for (int i = 0; i < 4; i++) {
            rows.add(Example.classification("The " + animals[i] + " ran to the park.", "animal"));
            rows.add(Example.classification("The " + people[i] + " ran to the park.", "person"));
            rows.add(Example.classification("A little " + animals[i] + " was happy.", "animal"));
            rows.add(Example.classification("A little " + people[i] + " was happy.", "person"));
        }
        return rows;
    }

    static java.util.stream.Stream<FineTuning> wholeWeightTuning() {
        return java.util.stream.Stream.of(new FineTuning.Full(), new FineTuning.Freeze(2));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("wholeWeightTuning")
    void fullAndFreezeTuningTrainTheHeadWithTheBaseAndSaveATransformersClassifier(FineTuning tuning)
            throws Exception {
        List<Example> rows = separableRows();
        ClassLabels labels = ClassLabels.of(rows.stream().map(r -> r.label().orElseThrow()).toList());
        Path out = dir.resolve("run");
        List<Double> losses = new ArrayList<>();
        double[][] trained;
        List<int[]> texts;
        float[] embeddingBefore;
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.training(tuning, 3));
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, labels, 64);
            texts = rows.stream().map(r -> encoder.textIds(r.messages().getFirst().content())).toList();
            SequenceClassifier classifier = SequenceClassifier.withNewHead(base, labels, 3);
            assertThat(classifier.trainableParameters()).containsKey(SequenceClassifier.HEAD_KEY)
                    .doesNotContainKey("lm_head.weight");
            new Trainer(headConfig(out, 20).build(), classifier, encoder.encodeAll(rows), List.of())
                    .train(new TrainingListener() {
                        @Override
                        public void onLog(TrainingLog log) {
                            losses.add(log.loss());
                        }
                    }, () -> false);
            trained = classifier.probabilities(texts, 8);
        }
        assertThat(losses.getFirst()).isCloseTo(Math.log(2), within(0.15)); // a fresh head: chance
        assertThat(losses.getLast()).isLessThan(0.2);
        // transformers' AutoModelForSequenceClassification loaded this run's saved folder (no missing or unexpected
        // key) and computed these probabilities (whole_model_head_check.py); the same labels, to 1e-4
        JsonNode reference = JSON.readTree(Files.readString(resource("whole-model-heads.json")))
                .get(tuning instanceof FineTuning.Full ? "full" : "freeze");
        for (int r = 0; r < texts.size(); r++) {
            JsonNode row = reference.get("rows").get(r);
            assertThat(texts.get(r)).containsExactly(row.get("input_ids").valueStream().mapToInt(JsonNode::asInt)
                    .toArray());
            for (int k = 0; k < 2; k++) {
                assertThat(trained[r][k]).as("row %d class %d", r, k)
                        .isCloseTo(row.get("probabilities").get(k).asDouble(), within(1e-4));
            }
        }
        List<String> truth = rows.stream().map(r -> r.label().orElseThrow()).toList();
        assertThat(ClassificationMetrics.fromProbabilities(truth, labels.names(), trained).accuracy())
                .isGreaterThan(0.9);

        JsonNode config = JSON.readTree(Files.readString(out.resolve("config.json")));
        assertThat(config.get("architectures").toString()).isEqualTo("[\"LlamaForSequenceClassification\"]");
        assertThat(config.get("id2label").toString()).isEqualTo("{\"0\":\"animal\",\"1\":\"person\"}");
        assertThat(config.get("num_labels").asInt()).isEqualTo(2);
        try (SafetensorsReader reader = SafetensorsReader.open(out)) {
            assertThat(reader.info(SequenceClassifier.MERGED_HEAD_KEY).shape()).containsExactly(2, 64);
            assertThat(reader.names()).doesNotContain("lm_head.weight");
        }
        try (LlamaModel base = LlamaModel.load(SequenceClassifier.causalView(out, dir.resolve("view")),
                ModelOptions.inference())) {
            double[][] again = SequenceClassifier.fromModelCheckpoint(base, out).probabilities(texts, 3);
            for (int r = 0; r < texts.size(); r++) {
                for (int k = 0; k < 2; k++) {
                    assertThat(again[r][k]).isCloseTo(trained[r][k], within(1e-5));
                }
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("wholeWeightTuning")
    void aResumedWholeModelHeadEqualsTheUninterruptedRun(FineTuning tuning) throws Exception {
        List<Example> rows = separableRows();
        ClassLabels labels = ClassLabels.of(rows.stream().map(r -> r.label().orElseThrow()).toList());
        Path whole = dir.resolve("whole");
        Path parts = dir.resolve("parts");
        List<Double> wholeLosses = new ArrayList<>();
        double[][] wholeProbabilities = headRun(tuning, labels, rows, whole, wholeLosses, () -> false, Optional.empty());
        List<Double> before = new ArrayList<>();
        headRun(tuning, labels, rows, parts, before, () -> before.size() >= 3, Optional.empty());
        assertThat(io.tuneforge.trainer.training.checkpoint.CheckpointStore.latest(parts))
                .contains(parts.resolve("checkpoint-3"));
        List<Double> after = new ArrayList<>();
        double[][] resumed = headRun(tuning, labels, rows, parts, after, () -> false,
                io.tuneforge.trainer.training.checkpoint.CheckpointStore.latest(parts));

        List<Double> stitched = new ArrayList<>(before);
        stitched.addAll(after);
        assertThat(stitched).hasSize(wholeLosses.size());
        for (int i = 0; i < stitched.size(); i++) {
            assertThat(stitched.get(i)).as("step %d", i + 1).isCloseTo(wholeLosses.get(i), within(1e-6));
        }
        for (int r = 0; r < resumed.length; r++) {
            for (int k = 0; k < 2; k++) {
                assertThat(resumed[r][k]).isCloseTo(wholeProbabilities[r][k], within(1e-6));
            }
        }
    }

    /** One head run of 6 steps on a fresh model and head (a resume must take both from the checkpoint). */
    private static double[][] headRun(FineTuning tuning, ClassLabels labels, List<Example> rows, Path out,
            List<Double> losses, java.util.function.BooleanSupplier cancel, Optional<Path> resume) throws Exception {
        try (LlamaModel base = LlamaModel.load(Fixtures.stories260K(), ModelOptions.training(tuning, 3));
             TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            ClassificationEncoder encoder = new ClassificationEncoder(tokenizer, labels, 64);
            SequenceClassifier classifier = SequenceClassifier.withNewHead(base, labels, resume.isPresent() ? 99 : 3);
            new Trainer(headConfig(out, 6).perDeviceTrainBatchSize(4).saveSteps(3).build(), classifier,
                    encoder.encodeAll(rows), List.of()).train(new TrainingListener() {
                        @Override
                        public void onLog(TrainingLog log) {
                            losses.add(log.loss());
                        }
                    }, cancel, resume);
            return classifier.probabilities(rows.stream()
                    .map(r -> encoder.textIds(r.messages().getFirst().content())).toList(), 8);
        }
    }

    private static TrainingConfig.Builder headConfig(Path out, int steps) {
        return TrainingConfig.builder(out).learningRate(1e-3).perDeviceTrainBatchSize(8).gradientAccumulationSteps(1)
                .maxSteps(steps).lrSchedulerType(SchedulerType.CONSTANT).loggingSteps(1).saveSteps(0).evalSteps(0)
                .seed(3);
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
