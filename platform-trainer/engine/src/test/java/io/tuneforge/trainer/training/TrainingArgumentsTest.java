package io.tuneforge.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.training.optim.SchedulerType;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TrainingArgumentsTest {

    @Test
    void readsLlamaFactoryKeysWithYamlStyleValues() {
        TrainingConfig c = TrainingArguments.parse(Map.of("output_dir", "saves/run1", "learning_rate", "1e-4",
                "num_train_epochs", 2.0, "lr_scheduler_type", "linear", "warmup_ratio", 0.1,
                "gradient_accumulation_steps", 4, "load_best_model_at_end", "true", "early_stopping_steps", 3,
                "template", "llama3"), Path.of("unused"));
        assertThat(c.outputDir()).isEqualTo(Path.of("saves/run1"));
        assertThat(c.learningRate()).isEqualTo(1e-4);
        assertThat(c.numTrainEpochs()).isEqualTo(2.0);
        assertThat(c.lrSchedulerType()).isEqualTo(SchedulerType.LINEAR);
        assertThat(c.gradientAccumulationSteps()).isEqualTo(4);
        assertThat(c.loadBestModelAtEnd()).isTrue();
        assertThat(c.earlyStoppingPatience()).isEqualTo(3);
        assertThat(c.perDeviceTrainBatchSize()).isEqualTo(2);       // LLaMA-Factory default kept
    }

    @Test
    void rejectsInvalidValuesNamingTheField() {
        assertThatThrownBy(() -> TrainingArguments.parse(Map.of("learning_rate", "fast"), Path.of("o")))
                .isInstanceOf(TrainingConfigException.class).hasMessageContaining("learning_rate");
        assertThatThrownBy(() -> TrainingArguments.parse(Map.of("lr_scheduler_type", "cosine_restarts"), Path.of("o")))
                .isInstanceOf(TrainingConfigException.class).hasMessageContaining("cosine_with_restarts, polynomial");
        assertThatThrownBy(() -> TrainingArguments.parse(Map.of("gradient_accumulation_steps", 0), Path.of("o")))
                .isInstanceOf(TrainingConfigException.class).hasMessageContaining("gradient_accumulation_steps");
        assertThatThrownBy(() -> TrainingArguments.parse(Map.of("save_steps", 2.5), Path.of("o")))
                .isInstanceOf(TrainingConfigException.class).hasMessageContaining("whole number");
    }
}
