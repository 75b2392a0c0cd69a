package io.tuneforge.trainer.training.preference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.tuneforge.trainer.data.PreferencePair;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.lora.PeftAdapter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code pref_loss} variant against reference values from PyTorch and transformers
 * ({@code src/test/python/preference_loss_golden.py}): a tiny random Llama with a LoRA adapter on q_proj and v_proj,
 * two pairs right-padded with labels only on the answers, the reference being the base with the adapter switched
 * off. Losses, rewards, log-probabilities and the gradient of every LoRA tensor agree within 1e-4.
 */
class PreferenceLossGoldenTest {

    private static final Path DIR = Path.of("src/test/resources/training/preference");
    private static final double TOLERANCE = 1e-4;

    private static JsonNode golden;
    private static LlamaModel model;

    @BeforeAll
    static void load() throws IOException {
        golden = JsonMapper.builder().build().readTree(DIR.resolve("preference_golden.json").toFile());
        model = LlamaModel.load(DIR.resolve("model"), ModelOptions.training(FineTuning.none(), 1));
        PeftAdapter.load(model, DIR.resolve("adapter"), true);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void responseLogProbabilitiesCountOnlyTheAnswerTokens() {
        PreferenceBatch batch = PreferenceBatch.collate(pairs(), 0);
        assertThat(batch.rows().inputIds()).isDeepEqualTo(intRows(golden.get("input_ids")));
        assertThat(SequenceLogProbs.counts(batch.rows())).containsExactly(longs(golden.get("response_tokens")));
        try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
            NDArray policy = SequenceLogProbs.sum(step, model.hiddenStates(step, batch.rows().inputIdsArray(step),
                    false), model.lmHeadWeight(), batch.rows(), 3);
            NDArray reference = ReferenceModel.adaptersOff(model).logProbs(step, batch.rows(), 256);
            assertClose(policy.toFloatArray(), golden.get("policy_logps"), "policy log-probabilities");
            assertClose(reference.toFloatArray(), golden.get("reference_logps"), "reference log-probabilities");
        }
    }

    @Test
    void longerPaddingChangesNoLogProbability() {
        List<PreferencePair> padded = new ArrayList<>();
        for (PreferencePair p : pairs()) {
            padded.add(new PreferencePair(padWith(p.chosen(), 5, 17), padWith(p.rejected(), 2, 33)));
        }
        try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
            PreferenceBatch batch = PreferenceBatch.collate(padded, 0);
            NDArray policy = SequenceLogProbs.sum(step, model.hiddenStates(step, batch.rows().inputIdsArray(step),
                    false), model.lmHeadWeight(), batch.rows(), 256);
            assertClose(policy.toFloatArray(), golden.get("policy_logps"), "log-probabilities with extra padding");
        }
    }

    @Test
    void everyPreferenceLossMatchesTheReferenceWithItsGradients() {
        for (JsonNode variant : golden.get("variants")) {
            String name = variant.get("pref_loss").asString() + " beta " + variant.get("pref_beta").asDouble();
            PreferenceConfig config = new PreferenceConfig(
                    PreferenceLoss.fromConfigName(variant.get("pref_loss").asString()),
                    variant.get("pref_beta").asDouble(), variant.get("pref_ftx").asDouble(),
                    variant.get("simpo_gamma").asDouble(), variant.get("dpo_label_smoothing").asDouble());
            SequencedMap<String, NDArray> params = model.trainableParameters();
            try (GradMode off = GradMode.disabled(); NDManager step = NDManager.newBaseManager()) {
                PreferenceObjective.PairLosses losses;
                double loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    losses = PreferenceBatch.collate(pairs(), 0).losses(step, model,
                            Optional.of(ReferenceModel.adaptersOff(model)), new PreferenceObjective(config), 4, true);
                    NDArray mean = losses.losses().mean();
                    mean.attach(step);
                    collector.backward(mean);
                    loss = mean.getFloat();
                }
                assertThat(loss).as(name + " loss").isCloseTo(variant.get("loss").asDouble(), within(TOLERANCE));
                assertClose(losses.losses().toFloatArray(), variant.get("losses"), name + " per-pair losses");
                assertClose(losses.chosenRewards(), variant.get("chosen_rewards"), name + " chosen rewards");
                assertClose(losses.rejectedRewards(), variant.get("rejected_rewards"), name + " rejected rewards");
                assertClose(losses.chosenLogps(), variant.get("chosen_logps"), name + " chosen logps");
                assertClose(losses.rejectedLogps(), variant.get("rejected_logps"), name + " rejected logps");
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

    // ---------------------------------------------------------------- fixtures from the golden file

    private static List<PreferencePair> pairs() {
        int[][] ids = intRows(golden.get("input_ids"));
        int[][] labels = intRows(golden.get("labels"));
        int b = ids.length / 2;
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            pairs.add(new PreferencePair(unpadded(ids[i], labels[i]), unpadded(ids[b + i], labels[b + i])));
        }
        return pairs;
    }

    /** A row without its padding (the last counted label ends it). */
    private static TokenizedSample unpadded(int[] ids, int[] labels) {
        int end = labels.length;
        while (end > 0 && labels[end - 1] == TokenizedSample.IGNORE_INDEX) {
            end--;
        }
        return new TokenizedSample(Arrays.copyOf(ids, end), Arrays.copyOf(labels, end));
    }

    /** Appends ignored tokens of another id: they must change nothing under the causal mask. */
    private static TokenizedSample padWith(TokenizedSample s, int count, int id) {
        int[] ids = Arrays.copyOf(s.inputIds(), s.length() + count);
        int[] labels = Arrays.copyOf(s.labels(), s.length() + count);
        for (int i = s.length(); i < ids.length; i++) {
            ids[i] = id;
            labels[i] = TokenizedSample.IGNORE_INDEX;
        }
        return new TokenizedSample(ids, labels);
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

    private static long[] longs(JsonNode node) {
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asLong();
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
        assertThat(actual).as(what + " size").hasSize(expected.size());
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as(what + " [" + i + "]").isCloseTo(expected.get(i).asDouble(), within(TOLERANCE));
        }
    }
}
