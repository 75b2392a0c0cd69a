package io.tuneforge.trainer.training.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.cli.TrainerCli;
import io.tuneforge.trainer.training.CausalLmLoss;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class TrainingBenchTest {

    private static final LlamaShape TINY = new LlamaShape(32, 2, 4, 2, 64, 97, 16, 2, 4, 2);

    @Test
    void benchTrainsTheRandomLlamaAndReportsEveryNumber() throws Exception {
        BenchReport report = TrainingBench.run(TINY, 1, 3, CausalLmLoss.DEFAULT_CHUNK_TOKENS,
                new PrintStream(new ByteArrayOutputStream()));
        assertThat(report.tokensPerSecond()).isPositive();
        assertThat(report.medianStepSeconds()).isPositive();
        assertThat(report.mfu()).isPositive();
        assertThat(report.peak().bestGflops()).isPositive();
        assertThat(report.peakRssBytes()).isGreaterThanOrEqualTo(report.rssLastTimedBytes());
        assertThat(report.toJson()).contains("\"tokens_per_second\"").contains("\"mfu\"");
    }

    @Test
    void modelFlopsFollowTheShape() {
        LlamaShape shape = new LlamaShape(512, 8, 8, 8, 1376, 32000, 256, 4, 8, 2);
        assertThat(shape.decoderLinearWeights()).isEqualTo(8L * (4 * 512 * 512 + 3 * 512 * 1376));
        // 2 × (2 N + 4 T C L) × B T with N = decoder linears + LM head
        double expected = 2.0 * (2.0 * (shape.decoderLinearWeights() + 512.0 * 32000) + 4.0 * 256 * 512 * 8) * 1024;
        assertThat(shape.loraStepFlops()).isEqualTo(expected);
    }

    @Test
    void benchCommandRejectsHeadsThatDoNotDivideTheHiddenSize() {
        assertThat(benchFailure("--hidden", "100", "--heads", "8"))
                .contains("--hidden (100) must be a multiple of --heads (8)");
    }

    @Test
    void benchCommandRejectsAnEmptyLossChunk() {
        assertThat(benchFailure("--loss-chunk", "0")).contains("--loss-chunk (0) must be >= 1");
    }

    /** Runs {@code bench} with the arguments, expects exit code 2 and returns what it wrote to stderr. */
    private static String benchFailure(String... arguments) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            String[] command = new String[arguments.length + 1];
            command[0] = "bench";
            System.arraycopy(arguments, 0, command, 1, arguments.length);
            assertThat(TrainerCli.newCommandLine().execute(command)).isEqualTo(2);
        } finally {
            System.setErr(original);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
