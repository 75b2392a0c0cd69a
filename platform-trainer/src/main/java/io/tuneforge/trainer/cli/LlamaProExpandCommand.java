package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.LlamaProExpansion;
import io.tuneforge.trainer.model.ModelConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama-pro-expand}: LLaMA Pro block expansion, as LLaMA-Factory's {@code scripts/llama_pro.py}. */
@Command(name = "llama-pro-expand", mixinStandardHelpOptions = true,
        description = "Add LLaMA Pro blocks to a model (a zero-output copy after each group of layers); then train "
                + "them with finetuning_type: freeze, use_llama_pro: true, freeze_trainable_layers: <num-expand>.")
public final class LlamaProExpandCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New directory for the expanded model.")
    Path out;

    @Option(names = "--num-expand", required = true, paramLabel = "N",
            description = "Blocks to add; num_hidden_layers must be a multiple of it (LLaMA-Factory's example: 8).")
    int numExpand;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            LlamaProExpansion.Result result = LlamaProExpansion.expand(model, out, numExpand, (done, total) -> {
                if (done == total || done % 50 == 0) {
                    err.printf("expanding: %d/%d tensors%n", done, total);
                    err.flush();
                }
            });
            PrintWriter o = spec.commandLine().getOut();
            o.printf("Expanded %s to %d layers in %s; the added blocks are layers %s.%n", model, result.layers(),
                    result.outDir(), result.addedLayers());
            o.printf("Fine-tune them with: model_name_or_path: %s, finetuning_type: freeze, "
                    + "freeze_trainable_layers: %d, use_llama_pro: true%n", result.outDir(), numExpand);
            o.flush();
            return 0;
        } catch (ExportException | ModelConfigException e) {
            err.println("llama-pro-expand: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("llama-pro-expand: I/O error: " + e.getMessage());
            return 1;
        }
    }
}
