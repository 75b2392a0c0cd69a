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
import java.util.function.Supplier;

/**
 * Exports a Hugging Face checkpoint (optionally with a LoRA adapter merged in) to a GGUF file llama.cpp and Ollama
 * load, plus an Ollama {@code Modelfile} beside it: Llama and Mistral, and the mixtures of experts Mixtral (GGUF
 * {@code llama} with stacked experts), Qwen2-MoE ({@code qwen2moe}) and Qwen3-MoE ({@code qwen3moe}); the tensors
 * are planned by {@link GgufTensorPlan}. Weights stream one tensor (one expert of a stacked tensor) at a time.
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
        String a = c.architecture();
        gguf.putString("general.architecture", a);
        gguf.putString("general.name", options.modelDir().toAbsolutePath().normalize().getFileName().toString());
        gguf.putUint32("general.file_type", options.type().fileType);
        gguf.putUint32(a + ".context_length", c.contextLength());
        gguf.putUint32(a + ".embedding_length", c.hiddenSize());
        gguf.putUint32(a + ".block_count", c.layers());
        gguf.putUint32(a + ".feed_forward_length", c.intermediateSize());
        gguf.putUint32(a + ".attention.head_count", c.heads());
        gguf.putUint32(a + ".attention.head_count_kv", c.kvHeads());
        gguf.putFloat32(a + ".attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        gguf.putFloat32(a + ".rope.freq_base", (float) c.ropeTheta());
        if (c.llamaArchitecture()) {
            // LlamaModel.set_gguf_parameters adds these two; the Qwen MoE converters do not
            gguf.putUint32(a + ".rope.dimension_count", c.headDim());
            gguf.putUint32(a + ".vocab_size", c.vocabSize());
        }
        if (c.llamaArchitecture() ? c.headDim() * c.heads() != c.hiddenSize() : c.declaresHeadDim()) {
            gguf.putUint32(a + ".attention.key_length", c.headDim());
            gguf.putUint32(a + ".attention.value_length", c.headDim());
        }
        if (c.linearRopeFactor() > 0) {
            gguf.putString(a + ".rope.scaling.type", "linear");
            gguf.putFloat32(a + ".rope.scaling.factor", (float) c.linearRopeFactor());
        }
        c.experts().ifPresent(e -> writeExpertMetadata(gguf, a, e));
    }

    /** TextModel.set_gguf_parameters' expert keys, and Qwen2MoeModel's expert widths. */
    private static void writeExpertMetadata(GgufWriter gguf, String a, LlamaExportConfig.Experts e) {
        gguf.putUint32(a + ".expert_count", e.count());
        gguf.putUint32(a + ".expert_used_count", e.used());
        if (e.feedForwardLength() > 0) {
            gguf.putUint32(a + ".expert_feed_forward_length", e.feedForwardLength());
        }
        if (e.sharedFeedForwardLength() > 0) {
            gguf.putUint32(a + ".expert_shared_feed_forward_length", e.sharedFeedForwardLength());
        }
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
        List<GgufTensorPlan.Planned> plan = GgufTensorPlan.of(names, c);
        int total = plan.stream().mapToInt(p -> p.sources().size()).sum();
        int[] converted = {0};
        for (GgufTensorPlan.Planned planned : plan) {
            long[] shape = shape(source, planned);
            GgmlType storage = planned.alwaysF32() ? GgmlType.F32 : storageType(shape, type);
            int heads = switch (planned.permutation()) {
                case QUERY -> c.heads();
                case KEY -> c.kvHeads();
                case NONE -> 0;
            };
            List<Supplier<float[]>> parts = new ArrayList<>();
            for (String name : planned.sources()) {
                long[] sourceShape = source.shape(name);
                parts.add(() -> {
                    float[] values = source.read(name);
                    progress.tensorsDone(++converted[0], total);
                    return heads == 0 ? values : LlamaTensorNames.permuteRows(values, sourceShape, heads);
                });
            }
            gguf.addTensor(new GgufWriter.Tensor(planned.name(), shape, storage, parts));
        }
    }

    /** A single source's shape, or (E, rows, cols) for experts stacked along a new first axis. */
    private static long[] shape(WeightSource source, GgufTensorPlan.Planned planned) {
        long[] first = source.shape(planned.sources().getFirst());
        if (!planned.stacked()) {
            return first;
        }
        for (String name : planned.sources()) {
            if (!java.util.Arrays.equals(source.shape(name), first)) {
                throw new ExportException("cannot stack " + planned.name() + ": " + name + " has shape "
                        + java.util.Arrays.toString(source.shape(name)) + ", expert 0 "
                        + java.util.Arrays.toString(first));
            }
        }
        long[] stacked = new long[first.length + 1];
        stacked[0] = planned.sources().size();
        System.arraycopy(first, 0, stacked, 1, first.length);
        return stacked;
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
