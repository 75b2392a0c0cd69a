package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.generate.Generator;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA fine-tuning of the real pretrained TinyStories 260K model on a tiny instruction set. */
class Stories260KFineTuneTest {

    private static final Map<String, String> INSTRUCTIONS = new LinkedHashMap<>();

    static {
        INSTRUCTIONS.put("Q: What is the name of the cat?\nA:", " The cat is called Tom.");
        INSTRUCTIONS.put("Q: What color is the ball?\nA:", " The ball is red.");
        INSTRUCTIONS.put("Q: Where does the dog sleep?\nA:", " The dog sleeps in the park.");
        INSTRUCTIONS.put("Q: Who likes to sing?\nA:", " Lily likes to sing.");
    }

    @TempDir
    Path dir;

    @Test
    void loraFineTuningLowersTheLossAndChangesTheGreedyAnswers() throws Exception {
        Path modelDir = Fixtures.stories260K();
        LoraConfig lora = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir);
             LlamaModel model = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(lora), 1))) {
            int eos = model.config().eosTokenIds().getFirst();
            List<TokenizedSample> samples = new ArrayList<>();
            for (var e : INSTRUCTIONS.entrySet()) {
                samples.add(sample(tokenizer.encodeWithBos(e.getKey()), tokenizer.encode(e.getValue()), eos));
            }
            Generator generator = new Generator(model, tokenizer);
            List<String> before = answers(generator, tokenizer);

            TrainingConfig config = TrainingConfig.builder(dir).learningRate(1e-2).perDeviceTrainBatchSize(4)
                    .gradientAccumulationSteps(1).maxSteps(30).lrSchedulerType(SchedulerType.CONSTANT)
                    .loggingSteps(5).saveSteps(0).evalSteps(0).seed(3).build();
            Trainer trainer = new Trainer(config, model, samples, List.of());
            double lossBefore = trainer.evaluate(samples).loss();
            TrainerTest.Recorder recorder = new TrainerTest.Recorder();
            trainer.train(recorder, () -> false);
            double lossAfter = trainer.evaluate(samples).loss();

            assertThat(lossAfter).as("loss before %.3f after %.3f", lossBefore, lossAfter).isLessThan(lossBefore * 0.3);
            assertThat(recorder.losses().getLast()).isLessThan(recorder.losses().getFirst());
            List<String> after = answers(generator, tokenizer);
            assertThat(after).isNotEqualTo(before);
            assertThat(after.getFirst()).as("answers before %s after %s", before, after).contains("Tom");
            assertThat(dir.resolve("adapter_model.safetensors")).isRegularFile();
        }
    }

    private static TokenizedSample sample(int[] prompt, int[] answer, int eos) {
        int[] ids = new int[prompt.length + answer.length + 1];
        int[] labels = new int[ids.length];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(answer, 0, ids, prompt.length, answer.length);
        ids[ids.length - 1] = eos;
        for (int i = 0; i < ids.length; i++) {
            labels[i] = i < prompt.length ? TokenizedSample.IGNORE_INDEX : ids[i];
        }
        return new TokenizedSample(ids, labels);
    }

    private static List<String> answers(Generator generator, TextTokenizer tokenizer) {
        List<String> out = new ArrayList<>();
        for (String prompt : INSTRUCTIONS.keySet()) {
            out.add(generator.generate(tokenizer.encodeWithBos(prompt), GenerationConfig.greedy(16), piece -> { },
                    () -> false).text());
        }
        return out;
    }
}
