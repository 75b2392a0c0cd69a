package io.tuneforge.trainer.cli;

import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.trainer.evaluation.EvalDataset;
import io.tuneforge.trainer.evaluation.EvalExample;
import io.tuneforge.trainer.evaluation.Evaluator;
import io.tuneforge.trainer.evaluation.Prediction;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench-predict}: held-out predictions as a finished job makes them, one row at a time (the generator the
 * playground uses) against batched with one KV cache; generated tokens per second for each, and whether the two
 * gave the same answers.
 */
@Command(name = "bench-predict", mixinStandardHelpOptions = true,
        description = "Benchmark held-out predictions: one row at a time vs batched (tokens/s, same answers?).")
public final class BenchPredictCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--dataset", required = true, paramLabel = "FILE",
            description = "Held-out rows in any format the data package reads.")
    String dataset;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "Rows generated together (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU threads for libtorch ops (default 0: libtorch's own choice).")
    int threads;

    @Mixin
    EvalOptions options;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<EvalExample> rows = options.limit(EvalDataset.read(dataset, Optional.empty()));
        try (Evaluator evaluator = Evaluator.open(model, Optional.empty(), Optional.ofNullable(options.template))) {
            if (threads > 0) {
                JniUtils.setNumThreads(threads);
            }
            evaluator.predict(rows.subList(0, Math.min(2, rows.size())), options.generation(), done -> { }); // warm-up
            Run single = time(evaluator, () -> evaluator.predictOneByOne(rows, options.generation(), done -> { }));
            Run batched = time(evaluator, () -> evaluator.predict(rows, options.generation(), batchSize,
                    done -> { }));
            out.printf("%d rows, up to %d new tokens, %s threads%n", rows.size(), options.maxNewTokens,
                    threads > 0 ? threads : "libtorch default " + JniUtils.getNumThreads());
            out.println(single.line("one at a time"));
            out.println(batched.line("batch of " + batchSize));
            out.printf("speed-up %.2fx; same answers: %s%n", batched.tokensPerSecond() / single.tokensPerSecond(),
                    single.predictions().equals(batched.predictions()));
            out.flush();
            return 0;
        }
    }

    private record Run(List<Prediction> predictions, long tokens, double seconds) {
        double tokensPerSecond() {
            return tokens / seconds;
        }

        String line(String how) {
            return String.format(java.util.Locale.ROOT, "%-14s %6d tokens in %7.2f s = %8.1f tokens/s", how, tokens,
                    seconds, tokensPerSecond());
        }
    }

    private static Run time(Evaluator evaluator, Supplier<List<Prediction>> predict) {
        long start = System.nanoTime();
        List<Prediction> predictions = predict.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        long tokens = predictions.stream().mapToLong(p -> evaluator.tokenizer().encode(p.predict()).length).sum();
        return new Run(predictions, tokens, seconds);
    }
}
