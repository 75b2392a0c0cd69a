package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.generate.GenerationConfig;
import io.tuneforge.trainer.model.Precision;
import java.util.List;
import java.util.OptionalLong;
import picocli.CommandLine.Option;

/** Options shared by {@code eval} and {@code compare}: the held-out set and the generation settings. */
final class EvalOptions {

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat template: model (the default: the model's own, else its family's) or a LLaMA-Factory name "
                    + "(default, alpaca, llama3, qwen3, qwen3_nothink, gemma3, glm4, ... as LLaMA-Factory names them).")
    String template;

    @Option(names = "--max-samples", paramLabel = "N", description = "Evaluate only the first N rows.")
    Integer maxSamples;

    @Option(names = "--max-new-tokens", defaultValue = "512", paramLabel = "N",
            description = "Longest generated answer (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "0 = greedy (default, reproducible); LLaMA-Factory's predict uses 0.95.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Nucleus sampling (default 1 = off).")
    double topP;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Sampling seed (default 42).")
    long seed;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
            description = "fp32 (default) or bf16: the base held in bfloat16 and computed in it, as a bf16 job "
                    + "trains (needs a CPU with AVX512-BF16 or AMX).")
    String precision;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    /** The precision asked for, refused with the reason where this host cannot compute it. */
    Precision precision() {
        return Precision.parse(precision).requireOnThisHost();
    }

    GenerationConfig generation() {
        return new GenerationConfig(maxNewTokens, temperature, 0, topP, 1.0, OptionalLong.of(seed), List.of(), true);
    }

    /** Prints "phase n/total" to {@code err} at most every two seconds and at the end; stdout stays clean for --json. */
    static java.util.function.IntConsumer progress(java.io.PrintWriter err, String phase, int total) {
        long[] last = {0};
        return done -> {
            long now = System.nanoTime();
            if (done == total || now - last[0] > 2_000_000_000L) {
                last[0] = now;
                err.printf("%s %d/%d%n", phase, done, total);
                err.flush();
            }
        };
    }

    <T> List<T> limit(List<T> rows) {
        return maxSamples == null ? rows : rows.subList(0, Math.min(maxSamples, rows.size()));
    }
}
