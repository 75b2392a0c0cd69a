package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.LoraMerger;
import io.tuneforge.trainer.export.MergeOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** {@code merge}: base model + LoRA adapter to a standalone Hugging Face model directory. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter into its base model and write a Hugging Face model directory.")
public final class MergeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base Hugging Face model directory.")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR", description = "PEFT LoRA adapter directory.")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write.")
    Path out;

    @Option(names = "--max-shard-size", defaultValue = "5GB", paramLabel = "SIZE",
            description = "Largest safetensors shard, e.g. 5GB (default), 500MB, 2GiB.")
    String maxShardSize;

    @Option(names = "--dtype", paramLabel = "TYPE",
            description = "float32, float16 or bfloat16 (default: the base model's torch_dtype).")
    String dtype;

    @Option(names = "--force", description = "Replace an existing output directory.")
    boolean force;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            var result = LoraMerger.merge(new MergeOptions(model, adapter, out, MergeOptions.parseSize(maxShardSize),
                    Optional.ofNullable(dtype).map(MergeOptions::parseDtype), force));
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("out", result.outDir().toString());
                report.put("dtype", result.dtype().torchDtype());
                report.put("tensors", result.tensors());
                report.put("mergedWeights", result.mergedWeights());
                report.put("weightBytes", result.weightBytes());
                report.put("files", result.weightFiles().stream().map(p -> p.getFileName().toString()).toList());
                o.println(JsonMapper.builder().build().writeValueAsString(report));
            } else {
                o.printf("Merged %d LoRA weights into %s (%d tensors, %s, %.1f MB in %d file(s))%n",
                        result.mergedWeights(), result.outDir(), result.tensors(), result.dtype().torchDtype(),
                        result.weightBytes() / 1e6, result.weightFiles().size());
            }
            o.flush();
            return 0;
        } catch (ExportException | JacksonException e) {
            err.println("merge: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("merge: I/O error: " + e.getMessage());
            return 1;
        }
    }
}
