package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.export.MergeBenchmark;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench-merge}: merge throughput against a plain file copy, and the merge's peak RSS. */
@Command(name = "bench-merge", mixinStandardHelpOptions = true,
        description = "Benchmark merge on a generated bf16 Llama (~1.1 GB by default) against a plain copy.")
public final class BenchMergeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR",
            description = "Working directory for the generated model, copy and merge (needs ~4 GB free).")
    Path dir;

    @Option(names = "--layers", defaultValue = "8", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "2048", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "5632", description = "MLP size (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--rank", defaultValue = "16", description = "LoRA rank on every linear (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--keep", description = "Keep the generated files.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        var r = MergeBenchmark.run(new MergeBenchmark.Options(dir, layers, hidden, intermediate, vocab, rank, keep));
        var out = spec.commandLine().getOut();
        out.printf("checkpoint: %.1f MB bf16 (%d layers, hidden %d, intermediate %d, vocab %d), LoRA rank %d on 7 linears%n",
                r.checkpointBytes() / 1e6, layers, hidden, intermediate, vocab, rank);
        out.printf("plain copy:         %.2f s = %.0f MB/s (page cache)%n", r.copySeconds(), r.copyMegabytesPerSecond());
        out.printf("plain copy + fsync: %.2f s = %.0f MB/s%n", r.copySyncedSeconds(), r.copySyncedMegabytesPerSecond());
        out.printf("merge (fsyncs):     %.2f s = %.0f MB/s written (%.2fx the synced copy's time)%n", r.mergeSeconds(),
                r.mergeMegabytesPerSecond(), r.mergeSeconds() / r.copySyncedSeconds());
        out.printf("process CPU time:   copy + fsync %.2f s, merge %.2f s (%.2fx)%n", r.copyCpuSeconds(),
                r.mergeCpuSeconds(), r.mergeCpuSeconds() / r.copyCpuSeconds());
        out.printf("merge peak RSS: %.0f MB%s, JVM max heap %.0f MB%n", r.peakRssBytes() / 1e6,
                r.peakRssResetWorked() ? "" : " (since process start: VmHWM could not be reset)",
                r.maxHeapBytes() / 1e6);
        out.flush();
        return 0;
    }
}
