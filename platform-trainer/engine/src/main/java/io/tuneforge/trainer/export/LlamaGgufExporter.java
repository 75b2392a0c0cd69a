package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.HfWeightNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Exports a Hugging Face Llama checkpoint (optionally with a LoRA adapter merged in) to a GGUF file llama.cpp and
 * Ollama load, plus an Ollama {@code Modelfile} beside it. Weights stream one tensor at a time.
 */
public final class LlamaGgufExporter {

    /** What was written. */
    public record Result(Path gguf, Path modelfile, List<GgufWriter.Tensor> tensors, ChatFormat chatFormat) {
    }

    private LlamaGgufExporter() {
    }

    public static Result export(GgufExportOptions options) throws IOException {
        return export(options, TensorProgress.NONE);
    }

    /** Exports as {@link #export(GgufExportOptions)}, telling {@code progress} after each tensor converted. */
    public static Result export(GgufExportOptions options, TensorProgress progress) throws IOException {
        if (Files.exists(options.out()) && !options.force()) {
            throw new ExportException(options.out() + " already exists; pass --force to overwrite it");
        }
        LlamaExportConfig config = LlamaExportConfig.read(options.modelDir());
        GgufTokenizer tokenizer = GgufTokenizer.read(options.modelDir(), config.vocabSize());
        ChatFormat format = options.chatFormat().orElseGet(() -> tokenizer.chatTemplate()
                .flatMap(ChatFormat::detect).orElse(ChatFormat.RAW));
        Optional<LoraAdapter> adapter = options.adapterDir().map(LoraAdapter::open);
        try (WeightSource source = new MergedWeightSource(
                SafetensorsWeightSource.openModelDir(options.modelDir()), adapter)) {
            GgufWriter gguf = new GgufWriter();
            writeModelMetadata(gguf, options, config);
            tokenizer.writeTo(gguf);
            addTensors(gguf, source, config, options.type(), progress);
            gguf.write(options.out());
            Path modelfile = writeModelfile(options.out(), format, tokenizer);
            return new Result(options.out(), modelfile, gguf.tensors(), format);
        }
    }

    private static void writeModelMetadata(GgufWriter gguf, GgufExportOptions options, LlamaExportConfig c) {
        gguf.putString("general.architecture", "llama");
        gguf.putString("general.name", options.modelDir().toAbsolutePath().normalize().getFileName().toString());
        gguf.putUint32("general.file_type", options.type().fileType);
        gguf.putUint32("llama.context_length", c.contextLength());
        gguf.putUint32("llama.embedding_length", c.hiddenSize());
        gguf.putUint32("llama.block_count", c.layers());
        gguf.putUint32("llama.feed_forward_length", c.intermediateSize());
        gguf.putUint32("llama.attention.head_count", c.heads());
        gguf.putUint32("llama.attention.head_count_kv", c.kvHeads());
        gguf.putFloat32("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        gguf.putFloat32("llama.rope.freq_base", (float) c.ropeTheta());
        gguf.putUint32("llama.rope.dimension_count", c.headDim());
        if (c.headDim() * c.heads() != c.hiddenSize()) {
            gguf.putUint32("llama.attention.key_length", c.headDim());
            gguf.putUint32("llama.attention.value_length", c.headDim());
        }
        if (c.linearRopeFactor() > 0) {
            gguf.putString("llama.rope.scaling.type", "linear");
            gguf.putFloat32("llama.rope.scaling.factor", (float) c.linearRopeFactor());
        }
        gguf.putUint32("llama.vocab_size", c.vocabSize());
    }

    private static void addTensors(GgufWriter gguf, WeightSource source, LlamaExportConfig c, GgmlType type,
            TensorProgress progress) {
        if (c.llama3Rope().isPresent()) {
            float[] factors = c.ropeFrequencyFactors();
            gguf.addTensor(new GgufWriter.Tensor("rope_freqs.weight", new long[] {factors.length}, GgmlType.F32,
                    () -> factors));
        }
        List<String> names = new ArrayList<>(source.names());
        if (c.tiedEmbeddings()) {
            names.remove(HfWeightNames.LM_HEAD); // llama.cpp reuses token_embd when output.weight is absent
        }
        int total = (int) names.stream().filter(n -> LlamaTensorNames.map(n).isPresent()).count();
        int[] converted = {0};
        for (String name : names) {
            Optional<LlamaTensorNames.Mapped> mapped = LlamaTensorNames.map(name);
            if (mapped.isEmpty()) {
                continue;
            }
            long[] shape = source.shape(name);
            int heads = switch (mapped.get().permutation()) {
                case QUERY -> c.heads();
                case KEY -> c.kvHeads();
                case NONE -> 0;
            };
            gguf.addTensor(new GgufWriter.Tensor(mapped.get().name(), shape, storageType(shape, type), () -> {
                float[] values = source.read(name);
                progress.tensorsDone(++converted[0], total);
                return heads == 0 ? values : LlamaTensorNames.permuteRows(values, shape, heads);
            }));
        }
    }

    /**
     * As convert_hf_to_gguf.py: 1-D tensors (norms) stay F32; a row that is not whole Q8_0 blocks falls back to F16.
     */
    static GgmlType storageType(long[] shape, GgmlType requested) {
        if (shape.length <= 1) {
            return GgmlType.F32;
        }
        if (shape[shape.length - 1] % requested.blockSize != 0) {
            return GgmlType.F16;
        }
        return requested;
    }

    private static Path writeModelfile(Path gguf, ChatFormat format, GgufTokenizer tokenizer) {
        Path modelfile = gguf.toAbsolutePath().resolveSibling("Modelfile");
        String text = OllamaModelfile.render(gguf.getFileName().toString(), format, tokenizer.token(tokenizer.eos()));
        try {
            Path temp = Files.createTempFile(modelfile.getParent(), ".Modelfile.", ".tmp");
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, modelfile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + modelfile, e);
        }
        return modelfile;
    }
}
