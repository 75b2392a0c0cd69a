package io.tuneforge.trainer.training.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.data.PreferenceData;
import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.data.encoding.EncodingOptions;
import io.tuneforge.trainer.data.encoding.PreferenceEncoder;
import io.tuneforge.trainer.data.preparation.PreparationOptions;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.template.ChatTemplate;
import io.tuneforge.trainer.template.ChatTemplates;
import io.tuneforge.trainer.tokenizer.TextTokenizer;
import io.tuneforge.trainer.training.Trainer;
import io.tuneforge.trainer.training.TrainerLogWriter;
import io.tuneforge.trainer.training.TrainingConfig;
import io.tuneforge.trainer.training.TrainingListeners;
import io.tuneforge.trainer.training.optim.SchedulerType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** DPO with LoRA on LLaMA-Factory's dpo_en_demo and the pretrained TinyStories 260K model. */
class Stories260KDpoTest {

    @TempDir
    Path dir;

    @Test
    void dpoOnDpoEnDemoRaisesTheRewardAccuracyAndTheMargin() throws Exception {
        Path modelDir = Fixtures.stories260K();
        Path datasets = Fixtures.path("datasets/llama_factory");
        LoraConfig lora = new LoraConfig(8, 16, 0.0, LoraConfig.parseTargets("all"), false);
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir);
             LlamaModel model = LlamaModel.load(modelDir, ModelOptions.training(new FineTuning.Lora(lora), 1))) {
            ChatTemplate template = ChatTemplates.forModel(modelDir, Optional.empty());
            PreferenceData data = PreferenceData.build(List.of("dpo_en_demo"), Optional.of(datasets),
                    PreparationOptions.defaults().withMaxSamples(8),
                    new PreferenceEncoder(template, tokenizer, EncodingOptions.defaults().withCutoff(96)));
            assertThat(data.train()).as("pairs of %s prepared rows", data.prepared().train().size())
                    .hasSize(data.prepared().train().size());
            for (PreferencePair pair : data.train()) {
                assertAnswerOnlyLabels(pair.chosen());
                assertAnswerOnlyLabels(pair.rejected());
                assertThat(pair.chosen().length()).isLessThanOrEqualTo(96);
            }

            TrainingConfig config = TrainingConfig.builder(dir).learningRate(2e-3).perDeviceTrainBatchSize(4)
                    .gradientAccumulationSteps(1).maxSteps(12).lrSchedulerType(SchedulerType.CONSTANT)
                    .loggingSteps(3).saveSteps(0).evalSteps(0).seed(3)
                    .padTokenId(tokenizer.specialTokens().padId().orElse(0)).build();
            PreferenceTraining dpo = new PreferenceTraining(
                    new PreferenceObjective(PreferenceConfig.defaults(PreferenceLoss.SIGMOID)),
                    Optional.of(ReferenceModel.adaptersOff(model)));
            Trainer.preference(config, model, data.train(), List.of(), dpo)
                    .train(TrainingListeners.of(new TrainerLogWriter(dir)), () -> false);

            List<JsonNode> logs = Files.readAllLines(dir.resolve(TrainerLogWriter.FILE_NAME)).stream()
                    .map(line -> JsonMapper.builder().build().readTree(line)).toList();
            JsonNode first = logs.getFirst();
            JsonNode last = logs.getLast();
            assertThat(last.get("rewards/accuracies").asDouble()).as("accuracy first %s last %s", first, last)
                    .isGreaterThan(first.get("rewards/accuracies").asDouble()).isGreaterThanOrEqualTo(0.75);
            assertThat(last.get("rewards/margins").asDouble())
                    .isGreaterThan(first.get("rewards/margins").asDouble() + 0.5);
            assertThat(last.get("loss").asDouble()).isLessThan(first.get("loss").asDouble());
            assertThat(last.has("logps/chosen") && last.has("logps/rejected") && last.has("rewards/chosen")
                    && last.has("rewards/rejected")).isTrue();
            assertThat(dir.resolve("adapter_model.safetensors")).isRegularFile();
        }
    }

    /** The prompt carries no label; the answer after it is labelled with its own ids. */
    private static void assertAnswerOnlyLabels(TokenizedSample sample) {
        int i = 0;
        while (sample.labels()[i] == TokenizedSample.IGNORE_INDEX) {
            i++;
        }
        assertThat(i).as("prompt tokens").isGreaterThan(0);
        for (; i < sample.length(); i++) {
            assertThat(sample.labels()[i]).isEqualTo(sample.inputIds()[i]);
        }
    }
}
