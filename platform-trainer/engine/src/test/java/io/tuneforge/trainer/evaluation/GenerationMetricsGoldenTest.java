package io.tuneforge.trainer.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Compares BLEU/ROUGE and tokenization with {@code generation_golden.json}, produced by
 * {@code src/test/python/generation_metrics_golden.py} with NLTK 3.8 and python jieba 0.42.1.
 */
class GenerationMetricsGoldenTest {

    private static final double TOLERANCE = 1e-6;

    /**
     * Pairs where the Java jieba port segments differently from python jieba (its 2015 dictionary differs): the
     * prediction's python tokens {@code 不|大} are one Java token {@code 不大}. Listed, not hidden; the metric math for
     * these pairs is still checked on python's tokens.
     */
    private static final Map<String, List<String>> KNOWN_JAVA_PREDICTION_TOKENS = Map.of(
            "zh-known-segmentation-difference",
            List.of("我试", "过", "很多", "方法", "，", "但是", "效果", "不大", "，", "浓度", "为", "0.05%", "。"));
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode resource(String name) throws Exception {
        try (InputStream in = GenerationMetricsGoldenTest.class.getResourceAsStream("/evaluation/" + name)) {
            return JSON.readTree(in);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    @Test
    void everyPairMatchesNltkJiebaAndRougeChinese() throws Exception {
        JsonNode pairs = resource("generation_pairs.json");
        JsonNode golden = resource("generation_golden.json").get("samples");
        assertThat(golden.size()).isEqualTo(pairs.size()).isGreaterThanOrEqualTo(30);
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode pair = pairs.get(i);
            JsonNode expected = golden.get(i);
            String id = pair.get("id").asString();
            String predict = pair.get("predict").asString();
            String label = pair.get("label").asString();
            Tokenization tokenization = MetricTokenizer.detect(label, predict);
            assertThat(tokenization.name()).as(id).isEqualTo(expected.get("tokenization").asString());
            List<String> pythonPrediction = strings(expected.get("predictTokens"));
            List<String> pythonLabel = strings(expected.get("labelTokens"));
            List<String> javaPrediction = MetricTokenizer.tokenize(predict, tokenization);
            if (KNOWN_JAVA_PREDICTION_TOKENS.containsKey(id)) {
                assertThat(javaPrediction).as(id + " known difference").isNotEqualTo(pythonPrediction)
                        .containsExactlyElementsOf(KNOWN_JAVA_PREDICTION_TOKENS.get(id));
            } else {
                assertThat(javaPrediction).as(id + " prediction tokens").containsExactlyElementsOf(pythonPrediction);
            }
            assertThat(MetricTokenizer.tokenize(label, tokenization)).as(id + " label tokens")
                    .containsExactlyElementsOf(pythonLabel);
            Rouge.Scores score = Rouge.score(pythonPrediction, pythonLabel);
            assertThat(SentenceBleu.score(pythonLabel, pythonPrediction)).as(id + " bleu4")
                    .isCloseTo(expected.get("bleu4").asDouble(), within(TOLERANCE));
            assertThat(score.rouge1()).as(id + " rouge1").isCloseTo(expected.get("rouge1").asDouble(), within(TOLERANCE));
            assertThat(score.rouge2()).as(id + " rouge2").isCloseTo(expected.get("rouge2").asDouble(), within(TOLERANCE));
            assertThat(score.rougeL()).as(id + " rougeL").isCloseTo(expected.get("rougeL").asDouble(), within(TOLERANCE));
        }
    }

    @Test
    void averagesTimesHundredMatchTheGoldenMeans() throws Exception {
        JsonNode pairs = resource("generation_pairs.json");
        JsonNode golden = resource("generation_golden.json").get("samples");
        List<String> predictions = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        double[] mean = new double[4];
        int n = 0;
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode p = pairs.get(i);
            if (KNOWN_JAVA_PREDICTION_TOKENS.containsKey(p.get("id").asString())) {
                continue;
            }
            predictions.add(p.get("predict").asString());
            labels.add(p.get("label").asString());
            JsonNode g = golden.get(i);
            mean[0] += g.get("bleu4").asDouble();
            mean[1] += g.get("rouge1").asDouble();
            mean[2] += g.get("rouge2").asDouble();
            mean[3] += g.get("rougeL").asDouble();
            n++;
        }
        GenerationMetrics metrics = GenerationMetrics.compute(predictions, labels);
        assertThat(metrics.samples()).isEqualTo(n);
        assertThat(metrics.bleu4()).isCloseTo(100 * mean[0] / n, within(TOLERANCE));
        assertThat(metrics.rouge1()).isCloseTo(100 * mean[1] / n, within(TOLERANCE));
        assertThat(metrics.rouge2()).isCloseTo(100 * mean[2] / n, within(TOLERANCE));
        assertThat(metrics.rougeL()).isCloseTo(100 * mean[3] / n, within(TOLERANCE));
        assertThat(metrics.tokenizationSummary()).isEqualTo("words: 17, jieba: 14");
    }

    @Test
    void identicalTextScoresOneAndEmptyPredictionScoresZero() {
        SampleScore same = SampleScore.of("A quick brown fox jumps.", "A quick brown fox jumps.");
        assertThat(same.bleu4()).isCloseTo(1.0, within(1e-12));
        assertThat(same.rougeL()).isCloseTo(1.0, within(1e-7));
        SampleScore empty = SampleScore.of("", "A quick brown fox jumps.");
        assertThat(empty.bleu4()).isZero();
        assertThat(empty.rouge1()).isZero();
    }

    @Test
    void japaneseWithKanaFallsBackToCharacters() {
        assertThat(MetricTokenizer.detect("これはペンです", "")).isEqualTo(Tokenization.CHARACTERS);
        assertThat(MetricTokenizer.tokenize("これは ペン", Tokenization.CHARACTERS)).containsExactly("こ", "れ", "は", "ペ", "ン");
    }
}
