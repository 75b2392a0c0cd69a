package io.tuneforge.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.lora.LoraConfig;
import io.tuneforge.trainer.template.ChatMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bf16 job's model is evaluated and answers in bf16 (its frozen base held in bfloat16, SDPA), following float32:
 * on the real TinyStories 260K model, the held-out loss within 1 % and greedy answers that start alike.
 */
class EvaluatorPrecisionTest {

    private static final List<EvalExample> ROWS = List.of(
            row("Once upon a time, there was a little girl named Lily.", "She loved to play in the park."),
            row("Tom had a big red ball.", "He liked to throw it to his dog every day."),
            row("One day, the cat saw a bird in the tree.", "The cat wanted to play with the bird."));

    private static EvalExample row(String prompt, String answer) {
        return new EvalExample(List.of(ChatMessage.of("user", prompt)), answer);
    }

    @Test
    void aBf16EvaluatorComputesInBf16AndFollowsFloat32() throws IOException {
        LossResult fp32Loss;
        List<Prediction> fp32Answers;
        try (Evaluator fp32 = Evaluator.open(Fixtures.stories260K(), Optional.empty(), Optional.of("default"))) {
            assertThat(fp32.precision()).isEqualTo(Precision.FP32);
            fp32Loss = fp32.loss(ROWS, n -> { });
            fp32Answers = fp32.predict(ROWS, GenerationConfig.greedy(12), n -> { });
        }
        try (Evaluator bf16 = Evaluator.open(Fixtures.stories260K(), Optional.empty(), Optional.of("default"),
                Precision.BF16)) {
            assertThat(bf16.precision()).isEqualTo(Precision.BF16);
            LossResult loss = bf16.loss(ROWS, n -> { });
            List<Prediction> answers = bf16.predict(ROWS, GenerationConfig.greedy(12), n -> { });

            assertThat(loss.targetTokens()).isEqualTo(fp32Loss.targetTokens());
            assertThat(loss.loss()).isCloseTo(fp32Loss.loss(), within(0.01 * fp32Loss.loss()));
            for (int i = 0; i < ROWS.size(); i++) {
                String expected = fp32Answers.get(i).predict();
                String actual = answers.get(i).predict();
                assertThat(actual).as("row %d", i).isNotBlank();
                // bf16 rounding may change a late greedy choice, not the first words
                assertThat(firstWords(actual, 2)).as("row %d: %s vs %s", i, actual, expected)
                        .isEqualTo(firstWords(expected, 2));
            }
        }
    }

    @Test
    void anAdapterAppliesOnABaseHeldInBf16(@TempDir Path dir) throws Exception {
        Path adapter = dir.resolve("adapter");
        try (LlamaModel tuned = loraModelWithRandomB()) {
            tuned.saveTrained(adapter);
        }
        double base;
        double fp32;
        try (Evaluator plain = Evaluator.open(Fixtures.stories260K(), Optional.empty(), Optional.of("default"),
                Precision.BF16);
             Evaluator withAdapter = Evaluator.open(Fixtures.stories260K(), Optional.of(adapter),
                     Optional.of("default"), Precision.FP32)) {
            base = plain.loss(ROWS, n -> { }).loss();
            fp32 = withAdapter.loss(ROWS, n -> { }).loss();
        }
        try (Evaluator bf16 = Evaluator.open(Fixtures.stories260K(), Optional.of(adapter), Optional.of("default"),
                Precision.BF16)) {
            double loss = bf16.loss(ROWS, n -> { }).loss();

            assertThat(loss).isCloseTo(fp32, within(0.01 * fp32));
            assertThat(Math.abs(loss - base)).as("the adapter changes the loss").isGreaterThan(0.05 * fp32);
        }
    }

    /** A LoRA model on all linears whose B matrices are random (a freshly initialised adapter changes nothing). */
    private static LlamaModel loraModelWithRandomB() throws IOException {
        LoraConfig config = new LoraConfig(8, 16, 0, LoraConfig.parseTargets("all"), false);
        LlamaModel model = LlamaModel.load(Fixtures.stories260K(), ModelOptions.training(new FineTuning.Lora(config), 5));
        NDManager m = model.manager();
        m.getEngine().setRandomSeed(11);
        for (var p : model.parameters()) {
            if (p.name().contains("lora_B")) {
                NDArray random = m.randomNormal(0f, 0.2f, p.array().getShape(), p.array().getDataType());
                p.array().set(random.toFloatArray());
                random.close();
            }
        }
        return model;
    }

    private static String firstWords(String text, int n) {
        String[] words = text.strip().split("\\s+");
        return String.join(" ", List.of(words).subList(0, Math.min(n, words.length)));
    }
}
