package io.tuneforge.trainer.training.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.training.CausalLmLoss;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

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
}
