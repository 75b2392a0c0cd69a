package io.tuneforge.trainer.model.t5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.trainer.data.TokenizedSample;
import io.tuneforge.trainer.model.KvCache;
import io.tuneforge.trainer.model.ModelArchitecture;
import io.tuneforge.trainer.model.ModelConfig;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.T5Model;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.training.Batch;
import io.tuneforge.trainer.training.CausalLmLoss;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * T5 equals transformers' {@code T5ForConditionalGeneration} on two tiny random checkpoints made by
 * {@code src/test/python/t5_golden.py}: a v1.0-like one (ReLU feed-forward, head tied to {@code shared}, output scaled
 * by d_model^-0.5, 3 decoder layers over 2 encoder layers) and a Flan-T5-like one (gated GELU, untied
 * {@code lm_head}, no scaling, 3 encoder over 2 decoder layers). The model is presented as a causal LM over
 * "source &lt;/s&gt; target": the position of the source's &lt;/s&gt; and every target position carry the decoder's
 * logits (float32, within 1e-4), and greedy decoding with and without the cache equals transformers' generate.
 */
class T5GoldenTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Offset<Float> CLOSE = Offset.offset(1e-4f);

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5-tiny", "flant5-tiny"})
    void decoderLogitsEqualTransformersAtTheSourceEndAndEveryTargetPosition(String name) throws IOException {
        JsonNode ref = reference(name);
        try (T5Model model = T5Model.load(checkpoint(name), ModelOptions.inference())) {
            assertThat(model.config().architecture()).isEqualTo(ModelArchitecture.T5);
            // 6 + 5 tokens within the exact buckets; 22 + 18 tokens reach the logarithmic buckets in both stacks
            assertPresentedLogits(model, ints(ref.path("source")), ints(ref.path("target")), ref.path("logits"));
            assertPresentedLogits(model, ints(ref.path("long_source")), ints(ref.path("long_target")),
                    ref.path("long_logits"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5-tiny", "flant5-tiny"})
    void aRightPaddedBatchOfSourcesOfDifferentLengthsGivesEachRowItsOwnLogits(String name) throws IOException {
        JsonNode ref = reference(name);
        int[] target = ints(ref.path("batch_target"));
        int[] longRow = concat(ints(ref.path("source")), target);                    // 6 + 3
        int[] shortRow = concat(ints(ref.path("short_source")), target);             // 3 + 3, padded to 9
        try (T5Model model = T5Model.load(checkpoint(name), ModelOptions.inference());
             NDManager step = model.manager().newSubManager()) {
            NDArray ids = step.create(longs(concat(longRow, concat(shortRow, new int[longRow.length - shortRow.length]))),
                    new Shape(2, longRow.length));
            float[] logits = model.logits(step, model.hiddenStates(step, ids, false)).toFloatArray();
            int v = model.config().vocabSize();
            assertRows(logits, 0, longRow.length, ints(ref.path("source")).length - 1, v, ref.path("batch_logits").get(0));
            assertRows(logits, 1, longRow.length, ints(ref.path("short_source")).length - 1, v,
                    ref.path("batch_logits").get(1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5-tiny", "flant5-tiny"})
    void greedyDecodingWithAndWithoutTheCacheEqualsTransformersGenerate(String name) throws IOException {
        JsonNode ref = reference(name);
        try (T5Model model = T5Model.load(checkpoint(name), ModelOptions.inference())) {
            for (String source : List.of("source", "long_source", "short_source")) {
                int[] expected = ints(ref.path("greedy").path(source));
                assertThat(ints(ref.path("greedy").path(source + "_cached"))).containsExactly(expected);
                assertThat(greedyCached(model, ints(ref.path(source)), expected.length)).as(source)
                        .containsExactly(expected);
                assertThat(greedyUncached(model, ints(ref.path(source)), expected.length)).as(source)
                        .containsExactly(expected);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5-tiny", "flant5-tiny"})
    void aLeftPaddedBatchDecodesEachRowAsItDecodesAlone(String name) throws IOException {
        JsonNode ref = reference(name);
        int[] a = ints(ref.path("long_source"));
        int[] b = ints(ref.path("short_source"));
        int count = ref.path("greedy").path("long_source").size();
        int[][] out = new int[2][count];
        try (T5Model model = T5Model.load(checkpoint(name), ModelOptions.inference());
             NDManager step = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            int[] padded = concat(a, concat(new int[a.length - b.length], b));     // row 1 left-padded with 0
            NDArray hidden = model.hiddenStates(step, step.create(longs(padded), new Shape(2, a.length)), cache,
                    new int[] {0, a.length - b.length});
            for (int i = 0; i < count; i++) {
                float[] last = model.logits(step, hidden.get(":, -1, :")).toFloatArray();   // (2·V)
                int v = model.config().vocabSize();
                out[0][i] = argmax(Arrays.copyOfRange(last, 0, v));
                out[1][i] = argmax(Arrays.copyOfRange(last, v, 2 * v));
                hidden = model.hiddenStates(step, step.create(new long[] {out[0][i], out[1][i]}, new Shape(2, 1)),
                        cache, new int[] {0, a.length - b.length});
            }
            assertThat(out[0]).containsExactly(ints(ref.path("greedy").path("long_source")));
            assertThat(out[1]).containsExactly(ints(ref.path("greedy").path("short_source")));
            cache.keepRows(new int[] {1});                                  // the short row goes on alone
            hidden = model.hiddenStates(step, step.create(new long[] {out[1][count - 1]}, new Shape(1, 1)), false,
                    cache);
            assertThat(hidden.getShape()).isEqualTo(new Shape(1, 1, model.config().hiddenSize()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t5-tiny", "flant5-tiny"})
    void theTrainersLossWithTheSourceMaskedAsAPromptIsTransformersCrossEntropyOverTheTarget(String name)
            throws IOException {
        JsonNode ref = reference(name);
        int[] source = ints(ref.path("long_source"));
        int[] target = ints(ref.path("long_target"));
        JsonNode logits = ref.path("long_logits");
        double expected = 0;                         // Σ_j −log softmax(logits[j])[target[j]]
        for (int j = 0; j < target.length; j++) {
            expected -= logSoftmax(logits.get(j), target[j]);
        }
        int[] ids = concat(source, target);
        int[] labels = ids.clone();
        Arrays.fill(labels, 0, source.length, TokenizedSample.IGNORE_INDEX);
        Batch batch = Batch.collate(List.of(new TokenizedSample(ids, labels)), 0);
        try (T5Model model = T5Model.load(checkpoint(name), ModelOptions.inference());
             NDManager step = model.manager().newSubManager()) {
            NDArray hidden = model.hiddenStates(step, batch.inputIdsArray(step), false);     // (1, L, C)
            float nll = CausalLmLoss.negativeLogLikelihoodSum(step, hidden, model.lmHeadWeight(), batch, 7,
                    l -> l).getFloat();
            assertThat((double) nll).isCloseTo(expected, Offset.offset(1e-3));
        }
    }

    @Test
    void configJsonReadsAsAT5WithTheDecoderShapedView() throws IOException {
        ModelConfig flan = ModelConfig.load(checkpoint("flant5-tiny"));
        assertThat(flan.architecture()).isEqualTo(ModelArchitecture.T5);
        assertThat(flan.hiddenSize()).isEqualTo(32);
        assertThat(flan.numLayers()).isEqualTo(2);                     // the decoder's layers
        assertThat(flan.tieWordEmbeddings()).isFalse();
        assertThat(flan.eosTokenIds()).containsExactly(1);
        try (T5Model model = T5Model.load(checkpoint("flant5-tiny"), ModelOptions.inference())) {
            assertThat(model.t5Config().gated()).isTrue();
            assertThat(model.t5Config().activation()).isEqualTo("gelu_new");
            assertThat(model.t5Config().numLayers()).isEqualTo(3);
            assertThat(model.t5Config().innerDim()).isEqualTo(24);
        }
        assertThat(ModelConfig.load(checkpoint("t5-tiny")).tieWordEmbeddings()).isTrue();
    }

    @Test
    void aCheckpointMissingADecoderWeightFailsNamingTheKeyAndItsShape() throws IOException {
        Path dir = checkpoint("t5-tiny");
        Path broken = temp.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(dir.resolve("config.json"), broken.resolve("config.json"));
        Map<String, float[]> kept = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.open(dir)) {
            for (String key : reader.names()) {
                if (!key.equals("decoder.block.1.layer.1.EncDecAttention.k.weight")) {
                    kept.put(key, reader.readFloats(key));
                    shapes.put(key, reader.info(key).shape());
                }
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            kept.forEach((key, values) -> arrays.put(key, manager.create(values, new Shape(shapes.get(key)))));
            SafetensorsWriter.writeFile(broken.resolve("model.safetensors"), new java.util.TreeMap<>(arrays),
                    io.tuneforge.trainer.model.safetensors.SafetensorsDType.F32);
        }
        assertThatThrownBy(() -> T5Model.load(broken, ModelOptions.inference()))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("decoder.block.1.layer.1.EncDecAttention.k.weight")
                .hasMessageContaining("[24, 32]");
    }

    @Test
    void anUnknownFeedForwardActivationFailsNamingTheField() throws IOException {
        Path dir = temp.resolve("silu");
        Files.createDirectories(dir);
        String config = Files.readString(checkpoint("t5-tiny").resolve("config.json"))
                .replace("\"feed_forward_proj\": \"relu\"", "\"feed_forward_proj\": \"gated-tanh\"");
        Files.writeString(dir.resolve("config.json"), config);
        assertThatThrownBy(() -> ModelConfig.load(dir))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("feed_forward_proj 'gated-tanh'");
    }

    // ---------------------------------------------------------------- helpers

    /** The presented row "source target": position m−1+j holds the decoder logits that predict target[j]. */
    private static void assertPresentedLogits(T5Model model, int[] source, int[] target, JsonNode expected) {
        int[] ids = concat(source, target);
        try (NDManager step = model.manager().newSubManager()) {
            NDArray hidden = model.hiddenStates(step, step.create(longs(ids), new Shape(1, ids.length)), false);
            float[] logits = model.logits(step, hidden).toFloatArray();
            // the presented row has m + n positions; transformers' decoder has n + 1: the last one predicts after tn
            assertRows(logits, 0, ids.length, source.length - 1, model.config().vocabSize(), expected);
            for (int p = 0; p < source.length - 1; p++) {
                for (int j = 0; j < model.config().vocabSize(); j++) {
                    assertThat(logits[p * model.config().vocabSize() + j]).isZero();
                }
            }
        }
    }

    /** Row {@code row} of (B, L, V) logits from position {@code first} on equals {@code expected} (n, V). */
    private static void assertRows(float[] logits, int row, int length, int first, int v, JsonNode expected) {
        int n = Math.min(expected.size(), length - first);
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < v; k++) {
                assertThat(logits[(row * length + first + j) * v + k]).as("row %d, decoder position %d, token %d",
                        row, j, k).isCloseTo(expected.get(j).get(k).floatValue(), CLOSE);
            }
        }
    }

    /** Greedy through the cache: prefill the source (encoder + decoder start), then one token at a time. */
    private static int[] greedyCached(T5Model model, int[] source, int count) {
        int[] out = new int[count];
        try (NDManager step = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            NDArray hidden = model.hiddenStates(step, step.create(longs(source), new Shape(1, source.length)), false,
                    cache);
            for (int i = 0; i < count; i++) {
                out[i] = argmax(model.logits(step, hidden.get(":, -1, :")).toFloatArray());
                hidden = model.hiddenStates(step, step.create(new long[] {out[i]}, new Shape(1, 1)), false, cache);
            }
        }
        return out;
    }

    /** Greedy without a cache: the whole presented row "source generated..." is recomputed every step. */
    private static int[] greedyUncached(T5Model model, int[] source, int count) {
        int[] row = source;
        try (NDManager step = model.manager().newSubManager()) {
            for (int i = 0; i < count; i++) {
                NDArray hidden = model.hiddenStates(step, step.create(longs(row), new Shape(1, row.length)), false);
                int next = argmax(model.logits(step, hidden.get(":, -1, :")).toFloatArray());
                row = concat(row, new int[] {next});
            }
        }
        return Arrays.copyOfRange(row, source.length, row.length);
    }

    private static double logSoftmax(JsonNode logits, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode l : logits) {
            max = Math.max(max, l.asDouble());
        }
        double sum = 0;
        for (JsonNode l : logits) {
            sum += Math.exp(l.asDouble() - max);
        }
        return logits.get(index).asDouble() - max - Math.log(sum);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] concat(int[] a, int[] b) {
        return IntStream.concat(Arrays.stream(a), Arrays.stream(b)).toArray();
    }

    private static long[] longs(int[] ids) {
        return Arrays.stream(ids).asLongStream().toArray();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static JsonNode reference(String name) throws IOException {
        try (InputStream in = T5GoldenTest.class.getResourceAsStream("/models/" + name + "/reference.json")) {
            return JSON.readTree(in);
        }
    }

    /** The committed checkpoint copied out of the test resources into a model directory. */
    static Path checkpoint(Path temp, String name) throws IOException {
        Path dir = temp.resolve(name);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            for (String file : Stream.of("config.json", "model.safetensors").toList()) {
                try (InputStream in = T5GoldenTest.class.getResourceAsStream("/models/" + name + "/" + file)) {
                    Files.copy(in, dir.resolve(file));
                }
            }
        }
        return dir;
    }

    private Path checkpoint(String name) throws IOException {
        return checkpoint(temp, name);
    }
}
