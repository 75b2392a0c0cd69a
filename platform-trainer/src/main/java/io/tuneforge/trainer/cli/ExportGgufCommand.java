package io.tuneforge.trainer.cli;

import io.tuneforge.trainer.export.ChatFormat;
import io.tuneforge.trainer.export.ExportException;
import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.export.GgufExportOptions;
import io.tuneforge.trainer.export.LlamaGgufExporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

/**
 * {@code export-gguf}: a Hugging Face Llama, Mistral, Mixtral, Qwen2-MoE or Qwen3-MoE model (plus an optional LoRA
 * adapter) to GGUF and an Ollama Modelfile.
 */
@Command(name = "export-gguf", mixinStandardHelpOptions = true,
        description = "Write a GGUF file (llama.cpp, Ollama) and an Ollama Modelfile beside it.")
public final class ExportGgufCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter to merge in first.")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The .gguf file to write.")
    Path out;

    @Option(names = "--type", defaultValue = "f16", paramLabel = "TYPE",
            description = "Weight type: f32, f16 or q8_0 (default ${DEFAULT-VALUE}); norms stay f32.")
    String type;

    @Option(names = "--chat-format", paramLabel = "NAME",
            description = "Modelfile template: llama3, chatml/qwen, llama2, mistral, gemma, raw "
                    + "(default: detected from the model's chat template).")
    String chatFormat;

    @Option(names = "--force", description = "Overwrite an existing output file.")
    boolean force;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            var result = LlamaGgufExporter.export(new GgufExportOptions(model, Optional.ofNullable(adapter), out,
                    GgmlType.parse(type), Optional.ofNullable(chatFormat).map(ChatFormat::parse), force));
            long bytes = Files.size(result.gguf());
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("gguf", result.gguf().toString());
                report.put("modelfile", result.modelfile().toString());
                report.put("bytes", bytes);
                report.put("tensors", result.tensors().size());
                report.put("chatFormat", result.chatFormat().name().toLowerCase());
                o.println(JsonMapper.builder().build().writeValueAsString(report));
            } else {
                o.printf("Wrote %s (%d tensors, %.1f MB) and %s (chat format %s)%n", result.gguf(),
                        result.tensors().size(), bytes / 1e6, result.modelfile(),
                        result.chatFormat().name().toLowerCase());
            }
            o.flush();
            return 0;
        } catch (ExportException | IllegalArgumentException | JacksonException e) {
            err.println("export-gguf: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("export-gguf: I/O error: " + e.getMessage());
            return 1;
        }
    }
}
