package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.training.bench.GenerateBenchmark;
import io.tuneforge.trainer.model.ModelConfigException;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.training.bench.BenchPreset;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-generate}: greedy decoding on a random BF16 checkpoint of a real model's shape: load time, time to
 * first token, tokens/s after the first, peak RSS.
 */
@Command(name = "bench-generate", mixinStandardHelpOptions = true,
        description = "Benchmark greedy decoding on a random bf16 checkpoint of a real model's shape.")
public final class BenchGenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", defaultValue = "qwen3-0.6b",
            description = "qwen3-0.6b, llama-3.2-1b or qwen2.5-1.5b (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--precision", defaultValue = "bf16",
            description = "fp32 (weights widened) or bf16 (base held in bfloat16) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "64",
            description = "Tokens generated, the first included (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--threads", defaultValue = "2",
            description = "libtorch threads; 0 for libtorch's default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        GenerateBenchmark.Options options;
        try {
            options = new GenerateBenchmark.Options(BenchPreset.parse(preset), Precision.parse(precision),
                    promptTokens, newTokens, threads);
        } catch (IllegalArgumentException | ModelConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        GenerateBenchmark.Report r = GenerateBenchmark.run(options, System.err);
        var out = spec.commandLine().getOut();
        out.printf("%s, %s, %d libtorch threads, checkpoint %.0f MB bf16%n", preset, precision, r.threads(),
                r.checkpointBytes() / 1e6);
        out.printf("load: %.2f s%n", r.loadSeconds());
        out.printf("time to first token (%d-token prompt): %.3f s%n", promptTokens, r.firstTokenSeconds());
        out.printf("decoding: %.2f tokens/s (%d tokens after the first)%n", r.tokensPerSecond(), newTokens - 1);
        out.printf("per decoded token: decoder stack %.1f ms (its linears alone %.1f ms), LM head %.1f ms, read-out "
                + "and arg-max %.1f ms%n", r.split().stackMs(), r.split().linearsMs(), r.split().headMs(),
                r.split().readoutMs());
        out.printf("peak RSS: %.0f MB%s%n", r.peakRssBytes() / 1e6,
                r.peakRssResetWorked() ? " (from loading on)" : " (since process start)");
        out.flush();
        return 0;
    }
}
