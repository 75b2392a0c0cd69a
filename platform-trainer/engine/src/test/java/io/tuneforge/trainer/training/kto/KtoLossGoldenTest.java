package io.tuneforge.trainer.training.kto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.KtoExample;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.PeftAdapter;
import io.tuneforge.trainer.training.preference.PreferenceBatch;
import io.tuneforge.trainer.training.preference.PreferenceMetrics;
import io.tuneforge.trainer.training.preference.PreferenceObjective;
import io.tuneforge.trainer.training.preference.ReferenceModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The KTO loss against TRL 1.13's own {@code KTOTrainer._compute_loss} ({@code src/test/python/kto_loss_golden.py}):
 * the tiny Llama and LoRA adapter of the preference golden test, four examples (desirable, undesirable, desirable,
 * undesirable) with their mismatched KL rows, the reference being the adapter switched off. Loss, per-example losses,
 * rewards, log-probabilities, the KL estimate, TRL's logged metrics and the gradient of every LoRA tensor agree
 * within 1e-4; the pref_ftx variant adds LLaMA-Factory's SFT term.
 */
class KtoLossGoldenTest {

    private static final Path MODEL = Path.of("src/test/resources/training/preference");
    private static final Path GOLDEN = Path.of("src/test/resources/training/kto/kto_golden.json");
    private static final double TOLERANCE = 1e-4;

    private static JsonNode golden;
    private static LlamaModel model;

    @BeforeAll
    static void load() throws IOException {
        golden = JsonMapper.builder().build().readTree(GOLDEN.toFile());
        model = LlamaModel.load(MODEL.resolve("model"), ModelOptions.training(FineTuning.none(), 1));
        PeftAdapter.load(model, MODEL.resolve("adapter"), true);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aBatchHoldsTheCompletionsThenTheMismatchedCompletionsAndTheTags() {
        PreferenceBatch batch = PreferenceBatch.collate(examples(), 0);
        assertThat(batch.isKto()).isTrue();
        assertThat(batch.desirable()).containsExactly(true, false, true, false);
        assertThat(batch.firstRows().targetTokens()).isEqualTo(4 + 6 + 3 + 4);
        assertThat(batch.secondRows().targetTokens()).isEqualTo(4 + 4 + 6 + 3);
    }

    @Test
    void everyKtoVariantMatchesTrlWithItsGradients() {
        for (JsonNode variant : golden.get("variants")) {
            KtoConfig config = new KtoConfig(variant.get("pref_beta").asDouble(), variant.get("pref_ftx").asDouble(),
                    variant.get("kto_chosen_weight").asDouble(), variant.get("kto_rejected_weight").asDouble());
            String name = config.toString();
            KtoObjective objective = new KtoObjective(config, ReferenceModel.adaptersOff(model));
            SequencedMap<String, NDArray> params = model.trainableParameters();
            try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
                PreferenceObjective.PairLosses losses;
                double loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    losses = objective.losses(step, model, PreferenceBatch.collate(examples(), 0), 3, true);
                    NDArray mean = losses.losses().mean();                 // the trainer's sum / examples
                    mean.attach(step);
                    collector.backward(mean);
                    loss = mean.getFloat();
                }
                assertThat(loss).as(name + " loss").isCloseTo(variant.get("loss").asDouble(), within(TOLERANCE));
                assertThat(losses.kl().orElseThrow()).as(name + " kl")
                        .isCloseTo(variant.get("kl").asDouble(), within(TOLERANCE));
                assertThat(variant.get("kl").asDouble()).as("the fixture exercises a positive KL").isPositive();
                if (config.ftx() == 0) {
                    assertClose(losses.losses().toFloatArray(), variant.get("losses"), name + " per-example losses");
                }
                assertClose(losses.chosenRewards(), picked(variant.get("rewards"), true), name + " chosen rewards");
                assertClose(losses.rejectedRewards(), picked(variant.get("rewards"), false), name + " rejected rewards");
                assertClose(losses.chosenLogps(), picked(variant.get("logps"), true), name + " chosen logps");
                assertClose(losses.rejectedLogps(), picked(variant.get("logps"), false), name + " rejected logps");
                PreferenceMetrics metrics = new PreferenceMetrics();
                metrics.add(losses);
                Map<String, Double> means = metrics.means();
                assertThat(means).containsOnlyKeys("rewards/chosen", "rewards/rejected", "rewards/margins",
                        "logps/chosen", "logps/rejected", "kl");
                for (Map.Entry<String, JsonNode> expected : variant.get("metrics").properties()) {
                    assertThat(means.get(expected.getKey())).as(name + " metric " + expected.getKey())
                            .isCloseTo(expected.getValue().asDouble(), within(TOLERANCE));
                }
                for (Map.Entry<String, JsonNode> expected : variant.get("gradients").properties()) {
                    NDArray grad = params.get(expected.getKey()).getGradient();
                    grad.attach(step);
                    assertClose(grad.toFloatArray(), expected.getValue(), name + " gradient of " + expected.getKey());
                }
                params.values().forEach(p -> {
                    NDArray g = p.getGradient();
                    g.attach(step);
                    g.subi(g);
                });
            }
        }
    }

    @Test
    void theKlEstimateIsTheMeanLogRatioOfTheMismatchedRowsClampedAtZero() {
        // each example's own completion as its "mismatched" row: the estimate is then the mean of r = π − ref,
        // known from the golden rewards (β·r); examples 0 and 3 have r < 0, examples 1 and 2 r > 0
        JsonNode first = golden.get("variants").get(0);
        double[] ratios = new double[4];
        for (int i = 0; i < 4; i++) {
            ratios[i] = first.get("rewards").get(i).asDouble() / first.get("pref_beta").asDouble();
        }
        assertThat(ratios[0]).isNegative();
        assertThat(ratios[3]).isNegative();
        List<KtoExample> own = examples().stream()
                .map(e -> new KtoExample(e.completion(), e.completion(), e.desirable())).toList();
        assertThat(klOf(own)).isCloseTo(Arrays.stream(ratios).average().orElseThrow(), within(TOLERANCE));
        assertThat(klOf(List.of(own.get(0), own.get(3)))).isZero();
    }

    private static double klOf(List<KtoExample> examples) {
        KtoObjective objective = new KtoObjective(KtoConfig.defaults(), ReferenceModel.adaptersOff(model));
        try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
            return objective.losses(step, model, PreferenceBatch.collate(examples, 0), 256, false).kl().orElseThrow();
        }
    }

    // ---------------------------------------------------------------- fixtures from the golden file

    private static List<KtoExample> examples() {
        int[][] ids = intRows(golden.get("input_ids"));
        int[][] labels = intRows(golden.get("labels"));
        int[][] klIds = intRows(golden.get("kl_input_ids"));
        int[][] klLabels = intRows(golden.get("kl_labels"));
        List<KtoExample> out = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            out.add(new KtoExample(new TokenizedSample(ids[i], labels[i]), new TokenizedSample(klIds[i], klLabels[i]),
                    golden.get("kto_tags").get(i).asBoolean()));
        }
        return out;
    }

    private static double[] picked(JsonNode values, boolean desirable) {
        JsonNode tags = golden.get("kto_tags");
        return java.util.stream.IntStream.range(0, values.size())
                .filter(i -> tags.get(i).asBoolean() == desirable).mapToDouble(i -> values.get(i).asDouble())
                .toArray();
    }

    private static int[][] intRows(JsonNode node) {
        int[][] out = new int[node.size()][];
        for (int i = 0; i < node.size(); i++) {
            out[i] = new int[node.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = node.get(i).get(j).asInt();
            }
        }
        return out;
    }

    private static void assertClose(float[] actual, JsonNode expected, String what) {
        double[] asDouble = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            asDouble[i] = actual[i];
        }
        assertClose(asDouble, expected, what);
    }

    private static void assertClose(double[] actual, JsonNode expected, String what) {
        assertClose(actual, java.util.stream.StreamSupport.stream(expected.spliterator(), false)
                .mapToDouble(JsonNode::asDouble).toArray(), what);
    }

    private static void assertClose(double[] actual, double[] expected, String what) {
        assertThat(actual).as(what + " size").hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as(what + " [" + i + "]").isCloseTo(expected[i], within(TOLERANCE));
        }
    }
}
