package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.data.Example;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.ConversationEncoder;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.template.ChatMessage;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * T5 goes through the decoder-only pipeline unchanged (DD036): the automatic template writes "source &lt;/s&gt;"
 * + "target &lt;/s&gt;", the encoder masks the source as a prompt, LoRA on every T5 linear (encoder and decoder
 * attention, cross-attention, feed-forward) has gradients equal to finite differences through both stacks, the
 * Trainer lowers the loss, the adapter is saved with PEFT's names (task SEQ_2_SEQ_LM) and reloads to the same
 * logits, and the Generator answers a training prompt with its target.
 */
class T5TrainingTest {

    @TempDir
    Path temp;

    /**
     * On the gated-GELU checkpoint, whose loss is smooth: on the ReLU one (T5 v1.0) a finite-difference step of 1e-2
     * crosses ReLU kinks and the central difference misses the derivative by ~20 % at some probes, while float32
     * leaves no room for a much smaller step.
     */
    @ParameterizedTest
    @ValueSource(strings = {"flant5-tiny"})
    void loraGradientsOnEveryT5LinearAgreeWithFiniteDifferences(String name) throws IOException {
        LoraConfig targets = new LoraConfig(2, 4, 0.0, LoraConfig.parseTargets("q,k,v,o,wi,wi_0,wi_1,wo"), false);
        int[] ids = {5, 9, 33, 12, 20, 1, 7, 41, 19, 8, 1};
        int[] labels = ids.clone();
        Arrays.fill(labels, 0, 6, TokenizedSample.IGNORE_INDEX);             // the source is the prompt
        Batch batch = Batch.collate(List.of(new TokenizedSample(ids, labels)), 0);
        try (T5Model model = T5Model.load(checkpoint(name), ModelOptions.training(new FineTuning.Lora(targets), 3));
             GradMode off = GradMode.disabled()) {
            assertThat(model.trainableParameters().keySet()).contains(
                    "base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight",
                    "base_model.model.decoder.block.1.layer.1.EncDecAttention.v.lora_B.weight",
                    "base_model.model.decoder.block.0.layer.2.DenseReluDense.wo.lora_A.weight");
            Random random = new Random(5);
            for (NDArray p : model.trainableParameters().values()) {         // B starts at zero: give A a gradient
                float[] values = p.toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * 0.3);
                }
                p.set(values);
            }
            List<FiniteDifferences.Probe> probes = FiniteDifferences.check(model, batch, 1, 1e-2, 11);
            assertThat(probes).hasSize(model.trainableParameters().size());
            for (FiniteDifferences.Probe p : probes) {
                assertThat(p.autograd()).as("%s %s[%d]", name, p.parameter(), p.index())
                        .isCloseTo(p.numerical(), within(2e-3 + 0.03 * Math.abs(p.numerical())));
            }
            assertThat(probes).anySatisfy(p -> assertThat(Math.abs(p.autograd())).isGreaterThan(1e-2));
        }
    }

    @Test
    void theAutomaticTemplateEndsTheSourceWithOneEosAndMasksItAsThePrompt() throws IOException {
        Path dir = checkpoint("flant5-tiny");
        ChatTemplate template = ChatTemplates.forModel(dir, Optional.of("auto"));
        assertThat(template.name()).isEqualTo("t5");
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            TokenizedSample sample = new ConversationEncoder(template, tokenizer, EncodingOptions.defaults())
                    .encode(alpaca("Say yes", "ok?", "yes")).sample();
            int[] source = tokenizer.encode("Say yes\nok?");
            int[] expected = concat(concat(source, new int[] {1}), concat(tokenizer.encode("yes"), new int[] {1}));
            assertThat(sample.inputIds()).containsExactly(expected);
            for (int i = 0; i <= source.length; i++) {
                assertThat(sample.labels()[i]).isEqualTo(TokenizedSample.IGNORE_INDEX);
            }
            assertThat(Arrays.copyOfRange(sample.labels(), source.length + 1, expected.length))
                    .containsExactly(Arrays.copyOfRange(expected, source.length + 1, expected.length));
        }
    }

    @Test
    void loraTrainingLowersTheLossSavesAPeftAdapterAndTheGeneratorAnswersWithTheTarget() throws IOException {
        Path dir = checkpoint("flant5-tiny");
        ChatTemplate template = ChatTemplates.forModel(dir, Optional.empty());
        List<Example> rows = List.of(alpaca("Is the sky blue", "", "yes"), alpaca("Is fire cold", "", "no"),
                alpaca("Answer", "Is snow white?", "yes"), alpaca("Answer", "Is tar white?", "no"));
        Path out = temp.resolve("out");
        LoraConfig lora = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir);
             T5Model model = T5Model.load(dir, ModelOptions.training(new FineTuning.Lora(lora), 1))) {
            ConversationEncoder encoder = new ConversationEncoder(template, tokenizer, EncodingOptions.defaults());
            List<TokenizedSample> samples = new ArrayList<>();
            rows.forEach(r -> samples.add(encoder.encode(r).sample()));
            TrainingConfig config = TrainingConfig.builder(out).learningRate(2e-2).numTrainEpochs(40)
                    .perDeviceTrainBatchSize(2).loggingSteps(1).saveSteps(1000).seed(1).build();
            TrainerTest.Recorder recorder = new TrainerTest.Recorder();
            new Trainer(config, model, samples, List.of()).train(recorder, () -> false);
            double first = recorder.logs.getFirst().loss();
            double last = recorder.logs.getLast().loss();
            assertThat(last).isLessThan(first * 0.2);

            Generator generator = new Generator(model, tokenizer);
            for (Example row : rows) {
                String prompt = template.render(row.messages().subList(0, 1), List.of(), true, java.util.Map.of());
                assertThat(prompt).endsWith("</s>");
                String answer = generator.generate(prompt, GenerationConfig.greedy(6), text -> { }).text();
                assertThat(answer).isEqualTo(row.messages().get(1).content());
            }
            model.saveTrained(temp.resolve("adapter"));
            float[] tuned = logits(model, samples.getFirst().inputIds());
            assertThat(Files.readString(temp.resolve("adapter").resolve(PeftAdapter.CONFIG_FILE)))
                    .contains("\"task_type\" : \"SEQ_2_SEQ_LM\"");
            try (SafetensorsReader reader = SafetensorsReader.open(temp.resolve("adapter")
                    .resolve("adapter_model.safetensors"))) {
                assertThat(reader.names()).contains(
                        "base_model.model.encoder.block.2.layer.1.DenseReluDense.wi_1.lora_A.weight",
                        "base_model.model.decoder.block.0.layer.1.EncDecAttention.o.lora_B.weight");
                assertThat(reader.names()).hasSize(2 * (3 * 7 + 2 * 11));   // enc: q,k,v,o,wi_0,wi_1,wo; dec +4
            }
            try (T5Model reloaded = T5Model.load(dir, ModelOptions.inference())) {
                PeftAdapter.load(reloaded, temp.resolve("adapter"), false);
                float[] again = logits(reloaded, samples.getFirst().inputIds());
                for (int i = 0; i < tuned.length; i++) {
                    assertThat(again[i]).isCloseTo(tuned[i], within(1e-4f));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"t5-tiny", "flant5-tiny"})
    void fullTuningTrainsEveryWeightAndSavesTransformersKeysThatReloadToTheTunedLogits(String name)
            throws IOException {
        Path dir = checkpoint(name);
        int[] ids = {5, 9, 33, 12, 20, 1, 7, 41, 19, 8, 1};
        int[] labels = ids.clone();
        Arrays.fill(labels, 0, 6, TokenizedSample.IGNORE_INDEX);
        List<String> transformersKeys = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/models/" + name + "/reference.json")) {
            tools.jackson.databind.json.JsonMapper.builder().build().readTree(in).path("checkpoint_keys")
                    .forEach(k -> transformersKeys.add(k.asString()));
        }
        float[] tuned;
        try (T5Model model = T5Model.load(dir, ModelOptions.training(new FineTuning.Full(), 1))) {
            assertThat(model.trainableParameters().keySet()).containsExactlyInAnyOrderElementsOf(transformersKeys);
            TrainingConfig config = TrainingConfig.builder(temp.resolve("full-" + name)).learningRate(1e-3)
                    .maxSteps(2).perDeviceTrainBatchSize(1).loggingSteps(1).saveSteps(1000).seed(1).build();
            new Trainer(config, model, List.of(new TokenizedSample(ids, labels)), List.of())
                    .train(new TrainerTest.Recorder(), () -> false);
            tuned = logits(model, ids);
            model.saveTrained(temp.resolve("saved-" + name));
        }
        try (SafetensorsReader reader = SafetensorsReader.open(temp.resolve("saved-" + name))) {
            assertThat(reader.names()).containsExactlyInAnyOrderElementsOf(transformersKeys);
        }
        float[] base;
        try (T5Model original = T5Model.load(dir, ModelOptions.inference());
             T5Model reloaded = T5Model.load(temp.resolve("saved-" + name), ModelOptions.inference())) {
            base = logits(original, ids);
            float[] again = logits(reloaded, ids);
            for (int i = 0; i < tuned.length; i++) {
                assertThat(again[i]).isCloseTo(tuned[i], within(1e-4f));
            }
        }
        assertThat(Arrays.equals(base, tuned)).isFalse();
    }

    private static float[] logits(T5Model model, int[] ids) {
        try (NDManager step = model.manager().newSubManager(); GradMode off = GradMode.disabled()) {
            long[] longs = Arrays.stream(ids).asLongStream().toArray();
            return model.logits(step, model.hiddenStates(step, step.create(longs, new Shape(1, ids.length)), false))
                    .toFloatArray();
        }
    }

    /** An Alpaca row as the data formats turn it into a conversation: instruction + "\n" + input → output. */
    private static Example alpaca(String instruction, String input, String output) {
        String prompt = input.isEmpty() ? instruction : instruction + "\n" + input;
        return Example.chat(List.of(ChatMessage.of("user", prompt), ChatMessage.of("assistant", output)), List.of());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Path checkpoint(String name) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(name));
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            try (InputStream in = getClass().getResourceAsStream("/models/" + name + "/" + file)) {
                Files.copy(in, dir.resolve(file));
            }
        }
        return dir;
    }
}
