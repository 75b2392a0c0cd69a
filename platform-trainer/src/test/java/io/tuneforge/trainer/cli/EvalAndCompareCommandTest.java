package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.evaluation.Prediction;
import io.tuneforge.trainer.evaluation.PredictionsFile;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code eval} and {@code compare} on the real stories260K model and a three-row held-out set. */
class EvalAndCompareCommandTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Path dataset;

    @BeforeEach
    void copyDataset() throws Exception {
        dataset = dir.resolve("heldout.json");
        try (InputStream in = getClass().getResourceAsStream("/evaluation/heldout_alpaca.json")) {
            Files.write(dataset, in.readAllBytes());
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = TrainerCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void evalWithPredictReportsLossPerplexityMetricsAndWritesPredictions() throws Exception {
        Path predictions = dir.resolve("predictions.jsonl");
        Run run = cli("eval", "--model", Fixtures.stories260K().toString(), "--dataset", dataset.toString(),
                "--template", "default", "--predict", "--max-new-tokens", "12", "--output", predictions.toString(),
                "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        assertThat(report.get("samples").asInt()).isEqualTo(3);
        double loss = report.get("eval_loss").asDouble();
        assertThat(loss).isGreaterThan(0).isLessThan(20);
        assertThat(report.get("perplexity").asDouble()).isCloseTo(Math.exp(loss), within(1e-9 * Math.exp(loss)));
        assertThat(report.get("target_tokens").asLong()).isGreaterThan(20);
        assertThat(report.has("bleu-4")).isTrue();
        assertThat(report.get("tokenization").asString()).isEqualTo("words: 3");
        List<Prediction> rows = PredictionsFile.read(predictions);
        assertThat(rows).hasSize(3);
        assertThat(rows.getFirst().prompt()).contains("Tell a story about a cat.");
        assertThat(rows.getFirst().label()).startsWith("Once upon a time");
        assertThat(rows).allMatch(p -> !p.predict().isEmpty());
    }

    @Test
    void classifyScoresAccuracyMacroF1AndAucFromLabelProbabilities() throws Exception {
        Path set = dir.resolve("sentiment.jsonl");
        Files.writeString(set, """
                {"instruction": "Is this happy or sad? The sun was warm and Lily laughed.", "output": "happy"}
                {"instruction": "Is this happy or sad? Tom lost his toy and cried.", "output": "sad"}
                {"instruction": "Is this happy or sad? They played all day with the puppy.", "output": "happy"}
                {"instruction": "Is this happy or sad? The bird was alone in the rain.", "output": "sad"}
                """);
        Run run = cli("eval", "--model", Fixtures.stories260K().toString(), "--dataset", set.toString(),
                "--template", "default", "--classify", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        assertThat(report.get("classes").toString()).isEqualTo("[\"happy\",\"sad\"]");
        assertThat(report.get("accuracy").asDouble()).isIn(0.0, 0.25, 0.5, 0.75, 1.0);
        assertThat(report.get("macro_f1").asDouble()).isBetween(0.0, 1.0);
        assertThat(report.get("auc_roc").asDouble()).isBetween(0.0, 1.0);
    }

    @Test
    void evalScoresAnExistingPredictionsFileWithoutAModel() throws Exception {
        Path file = dir.resolve("generated_predictions.jsonl");
        Files.writeString(file, "{\"prompt\": \"q\", \"label\": \"The cat sat on the mat.\", \"predict\": \"The cat "
                + "sat on the mat.\"}\n");
        Run run = cli("eval", "--predictions", file.toString(), "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        assertThat(report.get("bleu-4").asDouble()).isCloseTo(100.0, within(1e-9));
        assertThat(report.get("rouge-l").asDouble()).isCloseTo(100.0, within(1e-5));
    }

    @Test
    void compareShowsBaseTunedAndDeltasAndWritesPerRowAnswers() throws Exception {
        Path adapter = writeRandomAdapter(dir.resolve("adapter"));
        Path rows = dir.resolve("comparison.jsonl");
        Run run = cli("compare", "--model", Fixtures.stories260K().toString(), "--adapter", adapter.toString(),
                "--dataset", dataset.toString(), "--template", "default", "--max-new-tokens", "8",
                "--max-samples", "2", "--output", rows.toString(), "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = JSON.readTree(run.out());
        double base = report.get("base").get("eval_loss").asDouble();
        double tuned = report.get("tuned").get("eval_loss").asDouble();
        assertThat(tuned).isNotEqualTo(base);
        assertThat(report.get("delta").get("eval_loss").asDouble()).isCloseTo(tuned - base, within(1e-12));
        assertThat(report.get("delta").has("rouge-l")).isTrue();
        List<String> lines = Files.readAllLines(rows);
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.getFirst());
        assertThat(first.propertyNames()).containsExactly("prompt", "label", "base", "tuned");
    }

    /** A PEFT adapter on every q_proj/v_proj of stories260K with random non-zero A and B. */
    private static Path writeRandomAdapter(Path dir) throws Exception {
        Files.createDirectories(dir);
        Random random = new Random(5);
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        long offset = 0;
        for (int layer = 0; layer < 5; layer++) {
            for (String m : List.of("q_proj", "v_proj")) {
                int out = m.equals("q_proj") ? 64 : 32;
                String key = "base_model.model.model.layers." + layer + ".self_attn." + m;
                for (String[] part : new String[][] {{"lora_A", "4,64"}, {"lora_B", out + ",4"}}) {
                    int n = 4 * (part[0].equals("lora_A") ? 64 : out);
                    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        b.putFloat((float) (random.nextGaussian() * 0.2));
                    }
                    data.write(b.array());
                    header.append(",\"").append(key).append('.').append(part[0]).append(".weight\":{\"dtype\":\"F32\","
                            + "\"shape\":[").append(part[1]).append("],\"data_offsets\":[").append(offset).append(',')
                            .append(offset + 4L * n).append("]}");
                    offset += 4L * n;
                }
            }
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.write(len.array());
        file.write(h);
        file.write(data.toByteArray());
        Files.write(dir.resolve("adapter_model.safetensors"), file.toByteArray());
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"task_type\":\"CAUSAL_LM\","
                + "\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q_proj\",\"v_proj\"],\"bias\":\"none\"}");
        return dir;
    }
}
