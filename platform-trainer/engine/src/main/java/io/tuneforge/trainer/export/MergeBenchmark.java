package io.tuneforge.trainer.export;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.model.HfWeightNames;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.SafetensorsWriter;
import io.tuneforge.trainer.model.safetensors.TensorSource;
import io.tuneforge.trainer.training.bench.ProcessMemory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures {@code merge} against a plain copy of the same bytes on the same disk: generates a random Llama-shaped
 * bf16 checkpoint (about 1.1 GB at the default 8 layers of hidden 2048) and a rank-16 LoRA on every linear layer,
 * copies the checkpoint, merges, and reports MB/s of both and the merge's peak RSS (VmHWM, reset before the merge
 * through {@code /proc/self/clear_refs} where the kernel allows it).
 */
public final class MergeBenchmark {

    /**
     * Benchmark shape and placement.
     *
     * @param workDir      where the checkpoint, adapter, copy and merged model are written (same disk)
     * @param layers       decoder layers (8 gives about 1.1 GB in bf16)
     * @param hidden       hidden size
     * @param intermediate MLP size
     * @param vocab        vocabulary size (embedding and untied LM head)
     * @param rank         LoRA rank on q, k, v, o, gate, up and down
     * @param keep         keep the generated files afterwards
     */
    public record Options(Path workDir, int layers, int hidden, int intermediate, int vocab, int rank, boolean keep) {
    }

    /**
     * The measurement.
     *
     * @param checkpointBytes    size of the base safetensors file
     * @param copySeconds        time of {@code Files.copy} of that file (into the page cache)
     * @param copySyncedSeconds  the same copy until {@code fsync} returned (the merge fsyncs each file it writes)
     * @param mergeSeconds       time of the whole merge (read, B·A, round to bf16, write, config/tokenizer files)
     * @param mergedBytes        size of the merged safetensors written
     * @param copyCpuSeconds     process CPU time (all threads, user + system) of the synced copy
     * @param mergeCpuSeconds    process CPU time of the merge: on a shared host a steadier measure than wall time
     * @param peakRssBytes       VmHWM during the merge (since process start when the reset is not allowed)
     * @param peakRssResetWorked whether VmHWM was reset before the merge
     * @param maxHeapBytes       the JVM's -Xmx
     */
    public record Report(long checkpointBytes, double copySeconds, double copySyncedSeconds, double mergeSeconds, long mergedBytes,
                         double copyCpuSeconds, double mergeCpuSeconds, long peakRssBytes, boolean peakRssResetWorked,
                         long maxHeapBytes) {

        public double copyMegabytesPerSecond() {
            return checkpointBytes / 1e6 / copySeconds;
        }

        public double copySyncedMegabytesPerSecond() {
            return checkpointBytes / 1e6 / copySyncedSeconds;
        }

        public double mergeMegabytesPerSecond() {
            return mergedBytes / 1e6 / mergeSeconds;
        }
    }

    private MergeBenchmark() {
    }

    public static Report run(Options o) throws IOException {
        Path base = o.workDir().resolve("base");
        Path adapter = o.workDir().resolve("adapter");
        Path copy = o.workDir().resolve("copy");
        Path merged = o.workDir().resolve("merged");
        try {
            Files.createDirectories(o.workDir());
            writeBase(base, o);
            writeAdapter(adapter, o);
            long bytes = Files.size(base.resolve(SafetensorsReader.SINGLE_FILE));

            Files.createDirectories(copy);
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            Files.copy(base.resolve(SafetensorsReader.SINGLE_FILE), copy.resolve(SafetensorsReader.SINGLE_FILE));
            double copySeconds = (System.nanoTime() - start) / 1e9;
            try (FileChannel written = FileChannel.open(copy.resolve(SafetensorsReader.SINGLE_FILE), StandardOpenOption.WRITE)) {
                written.force(true); // the merge fsyncs what it writes; so must the copy to compare like with like
            }
            double copySyncedSeconds = (System.nanoTime() - start) / 1e9;
            double copyCpuSeconds = (processCpuNanos() - cpu) / 1e9;

            boolean reset = resetPeakRss();
            cpu = processCpuNanos();
            start = System.nanoTime();
            var result = LoraMerger.merge(new MergeOptions(base, adapter, merged, MergeOptions.DEFAULT_MAX_SHARD_BYTES,
                    Optional.of(SafetensorsDType.BF16), false));
            double mergeSeconds = (System.nanoTime() - start) / 1e9;
            double mergeCpuSeconds = (processCpuNanos() - cpu) / 1e9;
            return new Report(bytes, copySeconds, copySyncedSeconds, mergeSeconds, result.weightBytes(), copyCpuSeconds,
                    mergeCpuSeconds, ProcessMemory.peakResidentBytes(), reset, Runtime.getRuntime().maxMemory());
        } finally {
            if (!o.keep()) {
                for (Path p : List.of(base, adapter, copy, merged)) {
                    FileTrees.deleteOrFail(p, "the benchmark file");
                }
            }
        }
    }

    /** CPU time of the whole process (all threads), -1 where the JVM does not report it. */
    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    /** Writing "5" to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0). */
    private static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static Map<String, long[]> llamaShapes(Options o) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        int h = o.hidden();
        shapes.put(HfWeightNames.EMBED, new long[] {o.vocab(), h});
        for (int l = 0; l < o.layers(); l++) {
            shapes.put(HfWeightNames.inputNorm(l), new long[] {h});
            for (String m : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                shapes.put(HfWeightNames.weight(HfWeightNames.linear(l, m)), new long[] {h, h});
            }
            shapes.put(HfWeightNames.postAttentionNorm(l), new long[] {h});
            shapes.put(HfWeightNames.weight(HfWeightNames.linear(l, "gate_proj")), new long[] {o.intermediate(), h});
            shapes.put(HfWeightNames.weight(HfWeightNames.linear(l, "up_proj")), new long[] {o.intermediate(), h});
            shapes.put(HfWeightNames.weight(HfWeightNames.linear(l, "down_proj")), new long[] {h, o.intermediate()});
        }
        shapes.put(HfWeightNames.FINAL_NORM, new long[] {h});
        shapes.put(HfWeightNames.LM_HEAD, new long[] {o.vocab(), h});
        return shapes;
    }

    private static void writeBase(Path dir, Options o) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "vocab_size": %d, "max_position_embeddings": 4096,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": false,
                 "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16"}
                """.formatted(o.hidden(), o.intermediate(), o.layers(), o.hidden() / 128, o.hidden() / 128,
                o.vocab()));
        writeRandom(dir.resolve(SafetensorsReader.SINGLE_FILE), llamaShapes(o), 0.02, 1);
    }

    private static void writeAdapter(Path dir, Options o) throws IOException {
        Files.createDirectories(dir);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        llamaShapes(o).forEach((name, shape) -> {
            if (shape.length == 2 && name.contains(".layers.")) {
                String module = "base_model.model." + name.substring(0, name.length() - ".weight".length());
                shapes.put(module + ".lora_A.weight", new long[] {o.rank(), shape[1]});
                shapes.put(module + ".lora_B.weight", new long[] {shape[0], o.rank()});
            }
        });
        writeRandom(dir.resolve("adapter_model.safetensors"), shapes, 0.01, 2);
        Files.writeString(dir.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": %d, "lora_alpha": %d, "lora_dropout": 0.0,
                 "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                 "bias": "none", "use_rslora": false, "use_dora": false}
                """.formatted(o.rank(), 2 * o.rank()));
    }

    private static void writeRandom(Path file, Map<String, long[]> shapes, double std, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<TensorSource> sources = new ArrayList<>();
            shapes.forEach((name, shape) -> sources.add(TensorSource.lazy(name, shape, () -> {
                float[] values = new float[(int) WeightSource.elementCount(shape)];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * std * 1.7320508);
                }
                return manager.create(values, new Shape(shape));
            })));
            SafetensorsWriter.writeFile(file, sources, SafetensorsDType.BF16);
        }
    }
}
