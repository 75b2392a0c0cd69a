package io.tuneforge.trainer.training.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.tuneforge.shared.files.FileTrees;
import io.tuneforge.trainer.device.DeviceSpec;
import io.tuneforge.trainer.model.AttentionKernel;
import io.tuneforge.trainer.model.FineTuning;
import io.tuneforge.trainer.model.GradMode;
import io.tuneforge.trainer.model.KvCache;
import io.tuneforge.trainer.model.Linear;
import io.tuneforge.trainer.model.LlamaModel;
import io.tuneforge.trainer.model.ModelOptions;
import io.tuneforge.trainer.model.Precision;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Greedy decoding speed at a real model's shape: a random checkpoint of {@link BenchPreset} written as BF16 (as
 * published checkpoints are) to a temporary folder, loaded in the chosen precision, then a random prompt decoded
 * greedily with the KV cache through the same calls the {@link Generator} makes per token (hidden states of the new
 * token with the cache, the last position's logits, arg-max). The first token (prompt prefill) is timed apart.
 */
public final class GenerateBenchmark {

    /**
     * What to run.
     *
     * @param preset       the model shape
     * @param precision    fp32 (the BF16 checkpoint widened) or bf16 (the base held in bfloat16)
     * @param promptTokens random prompt length
     * @param newTokens    tokens generated (the first included)
     * @param threads      libtorch threads; 0 keeps libtorch's default
     */
    public record Options(BenchPreset preset, Precision precision, int promptTokens, int newTokens, int threads) {
        public Options {
            if (promptTokens < 1 || newTokens < 2) {
                throw new IllegalArgumentException("need a prompt of >= 1 token and >= 2 new tokens, got "
                        + promptTokens + " and " + newTokens);
            }
        }
    }

    /**
     * The numbers of one run.
     *
     * @param loadSeconds           model load (config, weights, kernels)
     * @param firstTokenSeconds     prompt prefill and the first token's logits
     * @param tokensPerSecond       tokens after the first / their time
     * @param peakRssBytes          peak RSS from loading on (VmHWM, reset after the checkpoint was written)
     * @param peakRssResetWorked    whether the peak could be reset (else it covers the whole process)
     * @param checkpointBytes       size of the random BF16 checkpoint
     * @param threads               libtorch threads used
     * @param split                 where a decoded token's time went (tokens after the first)
     */
    public record Report(double loadSeconds, double firstTokenSeconds, double tokensPerSecond, long peakRssBytes,
                         boolean peakRssResetWorked, long checkpointBytes, int threads, TokenTime split) {
    }

    /**
     * Milliseconds per decoded token by phase (libtorch on the CPU runs each op synchronously, so wall time between
     * the calls is the phase's time).
     *
     * @param stackMs   embedding lookup, every decoder layer and the final norm ({@code hiddenStates})
     * @param headMs    the LM head ({@code logits} of the last position)
     * @param readoutMs logits copied to Java and the arg-max
     * @param linearsMs every decoder linear once on one row, as a decoded token runs them (measured apart after
     *                  decoding, best of 3); the rest of {@code stackMs} is attention, norms, RoPE, residuals,
     *                  activations, the KV cache and the calls between Java and libtorch
     */
    public record TokenTime(double stackMs, double headMs, double readoutMs, double linearsMs) {
    }

    /** Accumulates {@link TokenTime} over the timed tokens. */
    private static final class Split {
        long stack;
        long head;
        long readout;
        int tokens;

        TokenTime perToken(double linearsMs) {
            return new TokenTime(stack / 1e6 / tokens, head / 1e6 / tokens, readout / 1e6 / tokens, linearsMs);
        }
    }

    private GenerateBenchmark() {
    }

    public static Report run(Options options, PrintStream progress) throws IOException {
        Engine.getInstance();                      // loads libtorch: its thread setting exists only from then on
        if (options.threads() > 0) {
            JniUtils.setNumThreads(options.threads());
        }
        Path work = Files.createTempDirectory("tuneforge-bench-generate-");
        try {
            progress.println("writing a random " + options.preset().key() + " checkpoint (bf16)...");
            Path modelDir = RandomLlama.write(work.resolve("model"), options.preset().config("bfloat16"),
                    SafetensorsDType.BF16, 42);
            long checkpointBytes = weightBytes(modelDir);
            System.gc();                          // give back the heap that writing the random model grew
            boolean reset = ProcessMemory.resetPeak();
            long start = System.nanoTime();
            ModelOptions modelOptions = new ModelOptions(DeviceSpec.CPU, DataType.FLOAT32, FineTuning.none(), 42,
                    options.precision(), AttentionKernel.forFlashAttn("auto", options.precision()));
            try (LlamaModel model = LlamaModel.load(modelDir, modelOptions);
                 GradMode off = GradMode.disabled();
                 KvCache cache = model.newCache()) {
                double load = (System.nanoTime() - start) / 1e9;
                progress.printf("loaded in %.2f s; decoding %d tokens after a %d-token prompt%n", load,
                        options.newTokens(), options.promptTokens());
                long[] prompt = new Random(7).longs(options.promptTokens(), 3, options.preset().config("bfloat16")
                        .get("vocab_size").asInt()).toArray();
                long t0 = System.nanoTime();
                long next = nextToken(model, cache, prompt, new Split());
                double first = (System.nanoTime() - t0) / 1e9;
                Split split = new Split();
                long t1 = System.nanoTime();
                for (int i = 1; i < options.newTokens(); i++) {
                    next = nextToken(model, cache, new long[] {next}, split);
                }
                double rest = (System.nanoTime() - t1) / 1e9;
                double linearsMs = linearsMs(model);
                return new Report(load, first, (options.newTokens() - 1) / rest, ProcessMemory.peakResidentBytes(),
                        reset, checkpointBytes, JniUtils.getNumThreads(),
                        split.perToken(linearsMs));
            }
        } finally {
            FileTrees.delete(work);
        }
    }

    private static long weightBytes(Path modelDir) throws IOException {
        try (var files = Files.list(modelDir)) {
            long total = 0;
            for (Path f : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }

    /** Milliseconds for every decoder linear once on one row (1, 1, in), best of 3 passes. */
    private static double linearsMs(LlamaModel model) {
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < 3; pass++) {
            try (NDManager step = model.manager().newSubManager()) {
                long nanos = 0;
                for (Linear linear : model.linears().values()) {
                    NDArray x = step.randomNormal(new Shape(1, 1, linear.inFeatures()));          // (1, 1, in)
                    long t0 = System.nanoTime();
                    linear.forward(step, x, false).getFloat(0, 0, 0);                            // (1, 1, out)
                    nanos += System.nanoTime() - t0;
                }
                best = Math.min(best, nanos / 1e6);
            }
        }
        return best;
    }

    /** The greedy next token after {@code ids} (appended to the cache), as the Generator computes it. */
    private static long nextToken(LlamaModel model, KvCache cache, long[] ids, Split split) {
        try (NDManager step = model.manager().newSubManager()) {
            long t0 = System.nanoTime();
            NDArray input = step.create(ids, new Shape(1, ids.length));                      // (1, T)
            NDArray hidden = model.hiddenStates(step, input, false, cache);                 // (1, T, C)
            NDArray last = hidden.get(new NDIndex(":, -1:, :"));                            // (1, 1, C)
            last.attach(step);
            long t1 = System.nanoTime();
            NDArray logitsArray = model.logits(step, last);                                 // (1, 1, V)
            long t2 = System.nanoTime();
            float[] logits = logitsArray.toFloatArray();                                    // (V)
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            split.stack += t1 - t0;
            split.head += t2 - t1;
            split.readout += System.nanoTime() - t2;
            split.tokens++;
            return best;
        }
    }
}
