package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class GenerateCommandTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = TrainerCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void greedyGenerationFromBosPrintsExactlyTheReferenceText() throws Exception {
        Path model = Fixtures.stories260K();
        Run run = run("generate", "--model", model.toString(), "--prompt", "", "--max-new-tokens", "200",
                "--temperature", "0");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(Files.readString(model.resolve("greedy_reference_text.txt")));
    }

    @Test
    void generatesInBf16OnRequestAndRefusesFp16OnTheCpuWithTheReason() {
        String model = Fixtures.stories260K().toString();
        Run fp32 = run("generate", "--model", model, "--prompt", "Once upon a time", "--max-new-tokens", "8",
                "--temperature", "0");
        Run bf16 = run("generate", "--model", model, "--prompt", "Once upon a time", "--max-new-tokens", "8",
                "--temperature", "0", "--precision", "bf16");
        Run fp16 = run("generate", "--model", model, "--prompt", "x", "--precision", "fp16");

        assertThat(bf16.exit()).as(bf16.err()).isZero();
        assertThat(bf16.out().strip().split(" ")[0]).isEqualTo(fp32.out().strip().split(" ")[0]);
        assertThat(fp16.exit()).isEqualTo(1);
        assertThat(fp16.err()).contains("fp16 is refused on the CPU").contains("use bf16");
    }

    @Test
    void seededSamplingIsReproducibleAndDiffersFromGreedy() {
        String model = Fixtures.stories260K().toString();
        String[] args = {"generate", "--model", model, "--prompt", "Once upon a time", "--max-new-tokens", "30",
                "--temperature", "1.0", "--top-k", "40", "--top-p", "0.9", "--seed", "123"};
        Run first = run(args);
        Run second = run(args);
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo(second.out()).isNotBlank();
        Run greedy = run("generate", "--model", model, "--prompt", "Once upon a time", "--max-new-tokens", "30",
                "--temperature", "0");
        assertThat(greedy.out()).isNotEqualTo(first.out());
    }

    @Test
    void stopStringCutsTheOutputBeforeIt() {
        Run run = run("generate", "--model", Fixtures.stories260K().toString(), "--prompt", "", "--max-new-tokens",
                "200", "--temperature", "0", "--stop", "Lily.");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("Once upon a time, there was a little girl named \n");
    }

    @Test
    void chatWithoutATemplateUsesTheDefaultTemplate() {
        Run run = run("generate", "--model", Fixtures.stories260K().toString(), "--prompt", "Hi", "--chat",
                "--max-new-tokens", "5", "--temperature", "0");
        assertThat(run.exit()).isZero();
        assertThat(run.err()).doesNotContain("has no chat template");
    }

    @Test
    void missingModelFolderFailsWithOneLine() {
        Run run = run("generate", "--model", dir.resolve("nope").toString(), "--prompt", "x");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("has no config.json");
    }

    @Test
    void scorePrintsTokenCountMeanNllAndPerplexityAsJson() throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "Once upon a time, there was a little girl named Lily.");
        Run run = run("score", "--model", Fixtures.stories260K().toString(), "--text-file", text.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.path("token_count").asInt()).isGreaterThan(5);
        double nll = json.path("mean_nll").asDouble();
        assertThat(nll).isGreaterThan(0).isLessThan(3);                      // a story sentence the model knows well
        assertThat(json.path("perplexity").asDouble()).isCloseTo(Math.exp(nll), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void everyModelCommandAnswersHelp() {
        for (String command : new String[] {"generate", "score"}) {
            Run run = run(command, "--help");
            assertThat(run.exit()).isZero();
            assertThat(run.out()).contains("--model").contains("--adapter").contains("--device");
        }
    }
}
